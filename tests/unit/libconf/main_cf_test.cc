// main.cf lexical rules (compat/config.md §1), checked against what Postfix
// 3.7.11 was observed to do.
#include <catch.hpp>

#include "libconf/main_cf.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

std::vector<conf::MainCfDefinition> parse(const std::string& text, bool warn = true) {
  auto defs = conf::parse_main_cf(text, "./main.cf", warn);
  REQUIRE(defs);
  return *defs;
}

}  // namespace

TEST_CASE("main.cf ignores whitespace around = and at the end of a value", "[conf]") {
  auto defs = parse("smtpd_banner=nospace   \nmyorigin = x  \t\r\nmydomain =   \n");
  REQUIRE(defs.size() == 3);
  CHECK(defs[0].name == "smtpd_banner");
  CHECK(defs[0].value == "nospace");
  CHECK(defs[1].value == "x");
  CHECK(defs[2].value == "");
  CHECK(defs[2].line == 3);
}

TEST_CASE("main.cf comments are whole lines only, # in a value is kept", "[conf]") {
  auto defs = parse("# comment\n   # indented comment\n\nmail_name = Postfix # not a comment\n");
  REQUIRE(defs.size() == 1);
  CHECK(defs[0].value == "Postfix # not a comment");
  CHECK(defs[0].line == 4);
}

TEST_CASE("main.cf continuation lines join as written, skipping comments and blanks", "[conf]") {
  auto defs = parse("x = line1\n# comment\n\n  cont\ny = a,\n    b\n  c\nz = a\\\n  b\n");
  REQUIRE(defs.size() == 3);
  CHECK(defs[0].value == "line1  cont");
  CHECK(defs[0].line == 1);
  // Leading whitespace of a continuation is kept; postconf collapses it
  // only when printing.
  CHECK(defs[1].value == "a,    b  c");
  CHECK(defs[1].line == 5);
  CHECK(defs[2].value == "a\\  b");
}

TEST_CASE("main.cf warns about an indented first line and ignores it", "[conf]") {
  test::LogCapture log;
  auto defs = parse("  indented_first = x\nmyorigin = 2\n");
  REQUIRE(defs.size() == 1);
  CHECK(defs[0].name == "myorigin");
  CHECK(log.contains(
      "warning: ./main.cf: logical line must not start with whitespace: \"  indented_first = x\""));
}

TEST_CASE("main.cf without = after the name is an error naming file and line", "[conf]") {
  auto r = conf::parse_main_cf("\n\nnovalue\n", "./main.cf", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "./main.cf, line 3: missing '=' after attribute name: \"novalue\"");
  r = conf::parse_main_cf("a b = 1\n", "./main.cf", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "./main.cf, line 1: missing '=' after attribute name: \"a b = 1\"");
  r = conf::parse_main_cf("a = 1\n\nnoval\n  cont\n", "./main.cf", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "./main.cf, line 3: missing '=' after attribute name: \"noval  cont\"");
  r = conf::parse_main_cf("= v\n", "./main.cf", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "./main.cf, line 1: missing attribute name: \"= v\"");
}

TEST_CASE("main.cf duplicate definitions warn with the earlier value and the later line",
          "[conf]") {
  test::LogCapture log;
  auto defs = parse("mynetworks = 127.0.0.0/8\nx = 1\nmynetworks = 10.0.0.0/8\n");
  REQUIRE(defs.size() == 3);
  CHECK(log.contains("warning: ./main.cf, line 3: overriding earlier entry: mynetworks=127.0.0.0/8"));
}

TEST_CASE("main.cf warnings are silent when not asked for", "[conf]") {
  test::LogCapture log;
  parse(" x = 1\na = 1\na = 2\n", false);
  CHECK(log.lines().empty());
}

TEST_CASE("a missing main.cf is reported as Postfix does", "[conf]") {
  auto r = conf::read_main_cf("/nonexist/main.cf", true);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "open /nonexist/main.cf: No such file or directory");
  test::TempDir dir;
  dir.write("main.cf", "myorigin = example.org\n");
  auto ok = conf::read_main_cf(dir.file("main.cf"), true);
  REQUIRE(ok);
  REQUIRE(ok->size() == 1);
  CHECK((*ok)[0].value == "example.org");
}
