#include "libmail/header_addresses.h"

#include <catch.hpp>

#include "libmail/header_block.h"
#include "libmail/header_checks.h"

namespace {
std::string up(std::string_view a) {
  std::string s(a);
  if (s.find('@') == std::string::npos) s += "@mx.example.test";
  return "[" + s + "]";
}
}  // namespace

TEST_CASE("header address rewriting touches only the addresses", "[cleanup]") {
  CHECK(mail::rewrite_header_addresses(" cmpuser@example.test, postmaster", up) ==
        " [cmpuser@example.test], [postmaster@mx.example.test]");
  CHECK(mail::rewrite_header_addresses(" Root Name <root>", up) ==
        " Root Name <[root@mx.example.test]>");
  CHECK(mail::rewrite_header_addresses(" \"Doe, John\" <jd>, x (comment, here)", up) ==
        " \"Doe, John\" <[jd@mx.example.test]>, [x@mx.example.test] (comment, here)");
  CHECK(mail::rewrite_header_addresses(" undisclosed-recipients:;", up) ==
        " undisclosed-recipients:;");
  CHECK(mail::rewrite_header_addresses(" friends: a, b;", up) ==
        " friends: [a@mx.example.test], [b@mx.example.test];");
  CHECK(mail::rewrite_header_addresses(" <>", up) == " <>");
}

TEST_CASE("address headers are told apart as sender or recipient headers", "[cleanup]") {
  CHECK(mail::address_header_kind("FROM") == mail::AddressHeaderKind::kSender);
  CHECK(mail::address_header_kind("Reply-To") == mail::AddressHeaderKind::kSender);
  CHECK(mail::address_header_kind("cc") == mail::AddressHeaderKind::kRecipient);
  CHECK(mail::address_header_kind("Subject") == mail::AddressHeaderKind::kNone);
}

TEST_CASE("the header block ends at the first line that is no header", "[cleanup]") {
  auto b = mail::split_header_block({"Subject: a", "\tfolded", "X-A : b", "", "body"});
  REQUIRE(b.headers.size() == 2);
  CHECK(b.headers[0].text() == "Subject: a\n\tfolded");
  CHECK(b.headers[0].value() == "a\n\tfolded");
  CHECK(b.headers[1].name == "X-A");
  CHECK(b.body == std::vector<std::string>{"", "body"});
  auto nobreak = mail::split_header_block({"Subject: a", "not a header", "x"});
  CHECK(nobreak.headers.size() == 1);
  CHECK(nobreak.body.size() == 2);
  auto limited = mail::split_header_block({"Subject: aaaa", " bbbb", " cccc"}, 20);
  CHECK(limited.headers[0].lines.size() == 2);
}

TEST_CASE("check actions parse case-insensitively and REJECT text gets a DSN", "[cleanup]") {
  auto v = mail::parse_check_action("Reject  go away ");
  CHECK(v.action == mail::CheckAction::kReject);
  CHECK(v.text == "go away");
  CHECK(v.word == "reject");
  CHECK(mail::parse_check_action("frobnicate").action == mail::CheckAction::kUnknown);
  CHECK(mail::dsn_prepend("5.7.1", "go away") == "5.7.1 go away");
  CHECK(mail::dsn_prepend("5.7.1", "4.7.0 later") == "4.7.0 later");
}
