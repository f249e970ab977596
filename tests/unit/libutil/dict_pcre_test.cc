// pcre: tables (PCRE2) against compat/tables.md §4 and the warnings of the
// Debian postfix-pcre plug-in, observed with postmap -q.
#include <catch.hpp>

#include "libutil/dict_types.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

std::unique_ptr<util::Dict> open_pcre(const test::TempDir& dir, const std::string& text) {
  auto dict = util::open_pcre_dict(dir.write("pcre", text), {});
  REQUIRE(dict.has_value());
  return std::move(*dict);
}

std::optional<std::string> query(util::Dict& dict, std::string_view key) {
  auto r = dict.lookup(key);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("pcre tables substitute $1 and match case-insensitively by default", "[tables]") {
  test::TempDir dir;
  auto d = open_pcre(dir, "/^(.*)@example\\.com$/ user=$1\n");
  REQUIRE(d->is_pattern());
  REQUIRE(d->type_name() == "pcre:" + dir.file("pcre"));
  REQUIRE(query(*d, "Joe@Example.com") == "user=Joe");
  REQUIRE_FALSE(query(*d, "joe@example.org").has_value());
}

TEST_CASE("the pcre i flag turns case sensitivity on", "[tables]") {
  test::TempDir dir;
  auto d = open_pcre(dir, "/^X-Case:.*Spam/i SENSITIVE\n");
  REQUIRE_FALSE(query(*d, "X-Case: spam").has_value());
  REQUIRE(query(*d, "X-Case: Spam") == "SENSITIVE");
}

TEST_CASE("pcre dot matches newline unless the s flag is given", "[tables]") {
  test::TempDir dir;
  auto d = open_pcre(dir, "/a.b/s NODOTALL\n/a.c/ DOTALL\n");
  REQUIRE_FALSE(query(*d, "a\nb").has_value());
  REQUIRE(query(*d, "a\nc") == "DOTALL");
}

TEST_CASE("pcre flags x, A and U change the match", "[tables]") {
  test::TempDir dir;
  auto d = open_pcre(dir, "/a b/x EXT\n/c/A ANCHORED\n/(d+)/U short=$1\n");
  REQUIRE(query(*d, "xab") == "EXT");
  REQUIRE_FALSE(query(*d, "xc").has_value());
  REQUIRE(query(*d, "cx") == "ANCHORED");
  REQUIRE(query(*d, "ddd") == "short=d");
}

TEST_CASE("pcre negation, if/endif and unset groups behave as in regexp tables", "[tables]") {
  test::TempDir dir;
  auto d = open_pcre(dir,
                     "if !/\\.example$/\n"
                     "/^(a)|(b)/ [$1][$2]\n"
                     "endif\n"
                     "!/^\\d+$/ NOT-DIGITS\n");
  REQUIRE(query(*d, "b.test") == "[][b]");
  REQUIRE(query(*d, "b.example") == "NOT-DIGITS");
  REQUIRE_FALSE(query(*d, "123").has_value());
}

TEST_CASE("bad pcre rules are skipped with the plug-in's warnings", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto d = open_pcre(dir,
                     "/a(b/ X\n"         // 1
                     "/a/q X\n"          // 2
                     "/(a)/ $2\n"        // 3
                     "/a+/U X $0\n"      // 4
                     "/a/X OBSOLETE\n"   // 5
                     "!/(a)/ $1\n"       // 6
                     "if /a/\n");        // 7
  const std::string p = "warning: pcre map " + dir.file("pcre") + ", line ";
  const std::vector<std::string> expected = {
      p + "1: error in regex at offset 3: missing closing parenthesis",
      p + "2: unknown regexp option \"q\": skipping this rule",
      p + "3: out of range replacement index \"2\": skipping this rule",
      p + "4: out of range replacement index \"0\"",
      p + "4: bad replacement syntax: skipping this rule",
      p + "5: ignoring obsolete regexp option \"X\"",
      p + "6: $number found in negative match replacement text: skipping this rule",
      p + "7: IF has no matching ENDIF",
  };
  REQUIRE(log.lines() == expected);
  REQUIRE(query(*d, "a") == "OBSOLETE");
}

TEST_CASE("a missing pcre file is an error naming the file", "[tables]") {
  auto d = util::open_pcre_dict("/nonexistent/pcre", {});
  REQUIRE_FALSE(d.has_value());
  REQUIRE(d.error().message == "open /nonexistent/pcre: No such file or directory");
}
