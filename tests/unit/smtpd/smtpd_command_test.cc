// Unit tests for smtpd's command-line parsing (smtpd/smtpd_command.h).
#include "smtpd/smtpd_command.h"

#include <catch.hpp>

using namespace smtpd;

TEST_CASE("split_command upper-cases the verb and keeps the arguments", "[smtpd]") {
  auto c = split_command("mail FROM:<a@b> SIZE=10  ");
  CHECK(c.verb == "MAIL");
  CHECK(c.args == "FROM:<a@b> SIZE=10");
  CHECK(split_command("QUIT").args.empty());
  CHECK(split_command("").verb.empty());
}

TEST_CASE("parse_path_args takes the path with or without brackets and the parameters", "[smtpd]") {
  auto p = parse_path_args("FROM:<a@example.org> SIZE=100 body=8bitmime SMTPUTF8", "FROM");
  REQUIRE(p);
  CHECK(p->path == "<a@example.org>");
  REQUIRE(p->params.size() == 3);
  CHECK(p->params[0] == std::make_pair(std::string("SIZE"), std::string("100")));
  CHECK(p->params[1] == std::make_pair(std::string("BODY"), std::string("8bitmime")));
  CHECK(p->params[2].first == "SMTPUTF8");
  CHECK(p->raw_params[1] == "body=8bitmime");
  auto spaced = parse_path_args("from: <a@b>", "FROM");
  REQUIRE(spaced);
  CHECK(spaced->path == "<a@b>");
  auto quoted = parse_path_args("TO:<\"a b\"@example.org> NOTIFY=NEVER", "TO");
  REQUIRE(quoted);
  CHECK(quoted->path == "<\"a b\"@example.org>");
  CHECK(quoted->params.size() == 1);
  CHECK(!parse_path_args("FROM:", "FROM"));
  CHECK(!parse_path_args("<x@example.org>", "FROM"));
  CHECK(!parse_path_args("TO:<x>", "FROM"));
}

TEST_CASE("extract_address accepts what Postfix accepts and refuses bad syntax", "[smtpd]") {
  CHECK(extract_address("<a@example.org>", false) == "a@example.org");
  CHECK(extract_address("<>", false) == "");
  CHECK(extract_address("a@example.org", false) == "a@example.org");
  CHECK(!extract_address("a@example.org", true));
  CHECK(!extract_address("<bad address@x>", false));
  CHECK(extract_address("<\"a b\"@x>", false) == "\"a b\"@x");
  CHECK(!extract_address("<a@b", false));
  CHECK(!extract_address(std::string("<a\0b@x>", 7), false));
  CHECK(extract_address("<@relay.example:user@example.org>", false) == "user@example.org");
}

TEST_CASE("xtext, NOTIFY and UTF-8 checks", "[smtpd]") {
  CHECK(xtext_decode("ab+2Bc") == "ab+c");
  CHECK(!xtext_decode("ab+2"));
  CHECK(!xtext_decode("a=b"));
  CHECK(!xtext_decode("ab+zz"));
  CHECK(parse_notify("SUCCESS,DELAY") == 10);
  CHECK(parse_notify("never") == 1);
  CHECK(parse_notify("FAILURE") == 4);
  CHECK(!parse_notify("NEVER,SUCCESS"));
  CHECK(!parse_notify("BOGUS"));
  CHECK(!parse_notify(""));
  CHECK(valid_utf8("h\xc3\xa9llo"));
  CHECK(!valid_utf8("\xff"));
  CHECK(!valid_utf8("\xc3"));
  CHECK(!valid_utf8("\xc0\xaf"));      // overlong
  CHECK(!valid_utf8("\xed\xa0\x80"));  // surrogate
  CHECK(valid_utf8("\xf0\x9f\x98\x80"));
}

TEST_CASE("looks_like_header and printable_escape", "[smtpd]") {
  CHECK(looks_like_header("Subject: hi"));
  CHECK(looks_like_header("X-Foo:bar"));
  CHECK(!looks_like_header("MAIL FROM:<a@b>"));
  CHECK(!looks_like_header("NOOP"));
  CHECK(printable_escape("a\r\nb\x01", 100) == "a\\r\\nb\\001");
  CHECK(printable_escape("abcdef", 3) == "abc");
}
