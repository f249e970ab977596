// The postmap source reader, against what Postfix 3.7.11's postmap stored
// for the same input (tables.md §1 and samples/tables/).
#include "libutil/dict_source.h"

#include <catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

using Entry = std::tuple<std::string, std::string, int>;

std::vector<Entry> parse(const std::string& text, const util::DictSourceOptions& options = {}) {
  std::string copy = text;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(
      fmemopen(copy.data(), copy.size(), "r"), &std::fclose);
  REQUIRE(fp);
  std::vector<Entry> out;
  auto r = util::read_postmap_source(
      fp.get(), "src",
      [&](std::string_view k, std::string_view v, int line) { out.emplace_back(k, v, line); },
      options);
  REQUIRE(r);
  return out;
}

}  // namespace

TEST_CASE("a source line is a key, white space, then the value", "[tables]") {
  auto e = parse("User@Example.COM   OK\nkey with spaces value\n10.1 OK net\n");
  REQUIRE(e == std::vector<Entry>{{"User@Example.COM", "OK", 1},
                                  {"key", "with spaces value", 2},
                                  {"10.1", "OK net", 3}});
}

TEST_CASE("continuation lines are appended verbatim to the value", "[tables]") {
  auto e = parse("k1 v1\n    four spaces\nk2\tv2 tab\n\tcont-tab\nuser@ DUNNO localpart\n"
                 "  continued-not-key\n");
  REQUIRE(e == std::vector<Entry>{{"k1", "v1    four spaces", 1},
                                  {"k2", "v2 tab\tcont-tab", 3},
                                  {"user@", "DUNNO localpart  continued-not-key", 5}});
}

TEST_CASE("comments and blank lines do not end a logical line", "[tables]") {
  // Observed: "k1 v1", "# comment", "  cont" -> "v1  cont"; an indented
  // "#" line is a comment too; blank and blank-looking lines are skipped.
  auto e = parse("k1 v1\n# comment\n  cont\nk2   v2 trailing   \n\n\t\n  k3cont\nk5 a\n"
                 "   # hash cont\n \n  after-blank\n");
  REQUIRE(e == std::vector<Entry>{{"k1", "v1  cont", 1},
                                  {"k2", "v2 trailing     k3cont", 4},
                                  {"k5", "a  after-blank", 8}});
}

TEST_CASE("only the end of a logical line is trimmed, CR included", "[tables]") {
  auto e = parse("a 1\r\n  cont\nb 2   \nc 3\r\n");
  REQUIRE(e == std::vector<Entry>{{"a", "1\r  cont", 1}, {"b", "2", 3}, {"c", "3", 4}});
}

TEST_CASE("a value may continue on a line of its own after a lone key", "[tables]") {
  auto e = parse("c\n\n d\n\tnext   \n");
  REQUIRE(e == std::vector<Entry>{{"c", "d\tnext", 1}});
}

TEST_CASE("a line with a key only is warned about with its line number and skipped",
          "[tables]") {
  test::LogCapture log;
  auto e = parse("a 1\n\n# c\nk\n\n  \nb 2\n");
  REQUIRE(e == std::vector<Entry>{{"a", "1", 1}, {"b", "2", 7}});
  REQUIRE(log.lines() ==
          std::vector<std::string>{"warning: src, line 4: expected format: key whitespace value"});
}

TEST_CASE("texthash's warning suffix is appended to the format warning", "[tables]") {
  test::LogCapture log;
  util::DictSourceOptions o;
  o.bad_line_suffix = " -- ignoring this line";
  parse("b\n", o);
  REQUIRE(log.contains(
      "warning: src, line 1: expected format: key whitespace value -- ignoring this line"));
}

TEST_CASE("a first line that starts with white space is refused whole", "[tables]") {
  test::LogCapture log;
  auto e = parse("  lead v\n  more\nk v\n");
  REQUIRE(e == std::vector<Entry>{{"k", "v", 3}});
  REQUIRE(log.contains(
      "warning: src: logical line must not start with whitespace: \"  lead v  more\""));
}

TEST_CASE("the last line needs no newline and a NUL ends the text", "[tables]") {
  auto e = parse(std::string("a 1\nb 2\0x\nc 3", 13));
  REQUIRE(e == std::vector<Entry>{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}});
}

TEST_CASE("long lines are read whole unless a bound is set", "[tables]") {
  std::string big(300000, 'x');
  auto e = parse("a " + big + "\nc 1\n");
  REQUIRE(e.size() == 2);
  REQUIRE(std::get<1>(e[0]) == big);
  test::LogCapture log;
  util::DictSourceOptions o;
  o.max_line_length = 1000;
  auto bounded = parse("a " + big + "\n  more\nc 1\n", o);
  REQUIRE(bounded == std::vector<Entry>{{"c", "1", 3}});
  REQUIRE(log.contains("warning: src, line 1: line too long -- ignoring this line"));
}

TEST_CASE("a missing source file is reported as open FILE", "[tables]") {
  test::TempDir dir;
  auto r = util::read_postmap_source_file(dir.file("nosuch"), [](auto, auto, int) {});
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "open " + dir.file("nosuch") + ": No such file or directory");
  dir.write("ok", "k v\n");
  int n = 0;
  REQUIRE(util::read_postmap_source_file(dir.file("ok"), [&](auto, auto, int) { ++n; }));
  REQUIRE(n == 1);
}
