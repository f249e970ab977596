// regexp: tables against the rows of compat/tables.md §4 and the warnings
// Postfix 3.7 prints for bad rules (observed with postmap -q).
#include <catch.hpp>

#include "libutil/dict_types.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

std::unique_ptr<util::Dict> open_regexp(const test::TempDir& dir, const std::string& text) {
  auto dict = util::open_regexp_dict(dir.write("re", text), {});
  REQUIRE(dict.has_value());
  return std::move(*dict);
}

std::optional<std::string> query(util::Dict& dict, std::string_view key) {
  auto r = dict.lookup(key);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("regexp tables substitute $1 from the first matching rule", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "/^(.*)@example\\.com$/ FOUND $1\n/^joe@/ SECOND\n");
  REQUIRE(d->is_pattern());
  REQUIRE(d->type_name() == "regexp:" + dir.file("re"));
  REQUIRE(query(*d, "joe@example.com") == "FOUND joe");
  REQUIRE(query(*d, "joe@example.org") == "SECOND");
  REQUIRE_FALSE(query(*d, "nobody@example.org").has_value());
}

TEST_CASE("regexp matching is case-insensitive unless the i flag is given", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "/^X-Case:.*Spam/i SENSITIVE\n/^x-other: yes$/ INSENSITIVE\n");
  REQUIRE_FALSE(query(*d, "X-Case: spam").has_value());
  REQUIRE(query(*d, "X-Case: Spam") == "SENSITIVE");
  REQUIRE(query(*d, "X-OTHER: YES") == "INSENSITIVE");
}

TEST_CASE("regexp keys are matched as given, not case-folded", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "/^(.*)@/ user=$1\n");
  REQUIRE(query(*d, "Joe@Example.com") == "user=Joe");
}

TEST_CASE("a negated regexp rule matches what the pattern does not", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "!/^a/ NOT-A\n/^a/ A\n");
  REQUIRE(query(*d, "banana") == "NOT-A");
  REQUIRE(query(*d, "apple") == "A");
}

TEST_CASE("regexp if/endif blocks are skipped when their test fails", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir,
                       "if /@example\\.com$/\n"
                       "/^postmaster@/ INNER\n"
                       "if !/^abuse/\n"
                       "/^x/ NESTED\n"
                       "endif\n"
                       "endif\n"
                       "/^postmaster@/ OUTER\n"
                       "/^x/ X-OUTER\n");
  REQUIRE(query(*d, "postmaster@example.com") == "INNER");
  REQUIRE(query(*d, "postmaster@example.org") == "OUTER");
  REQUIRE(query(*d, "x@example.com") == "NESTED");
  REQUIRE(query(*d, "x@example.org") == "X-OUTER");
}

TEST_CASE("regexp replacements know $$, ${n}, $(n) and empty groups", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "/^(a)(b)/ ${1}x$$y$2\n/^(c)|(d)/ [$1][$2]\n/^(e)/ $(1)}\n");
  REQUIRE(query(*d, "ab") == "ax$yb");
  REQUIRE(query(*d, "d") == "[][d]");
  REQUIRE(query(*d, "e") == "e}");
}

TEST_CASE("regexp patterns take any delimiter and the m and x flags", "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "|a\\|b| BAR\n/^b$/m MULTI\n/a+/x BASIC\n");
  REQUIRE(query(*d, "a|b") == "BAR");
  REQUIRE(query(*d, "first\nb") == "MULTI");
  REQUIRE(query(*d, "xa+") == "BASIC");
  REQUIRE_FALSE(query(*d, "aa").has_value());
}

TEST_CASE("regexp continuation lines join the value and trailing blanks are trimmed",
          "[tables]") {
  test::TempDir dir;
  auto d = open_regexp(dir, "/^a/ X\n# comment\n\n  cont  \n/^b/\tY \r\n");
  REQUIRE(query(*d, "a") == "X  cont");
  REQUIRE(query(*d, "b") == "Y");
}

TEST_CASE("bad regexp rules are skipped with Postfix's warnings", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  const std::string f = dir.file("re");
  auto d = open_regexp(dir,
                       "/abc\n"             // 1
                       "/a(bc/ X\n"         // 2
                       "/abc/q X\n"         // 3
                       "abc X\n"            // 4
                       "/(a)(b)/ $3\n"      // 5
                       "!/(a)(b)/ $1\n"     // 6
                       "/a/ $\n"            // 7
                       "/a/ $x\n"           // 8
                       "/a/ ${1\n"          // 9
                       "/(a)/ $0\n"         // 10
                       "endif\n"            // 11
                       "if /a/ X\n"         // 12
                       "endif junk\n"       // 13
                       "/z/\n"              // 14
                       "if /never/\n"       // 15
                       "/(ok)/ fine $1\n");  // 16
  const std::string p = "warning: regexp map " + f + ", line ";
  const std::vector<std::string> expected = {
      p + "1: no closing regexp delimiter \"/\": skipping this rule",
      p + "2: Unmatched ( or \\(",
      p + "3: unknown regexp option \"q\": skipping this rule",
      p + "4: ignoring unrecognized request",
      p + "5: out of range replacement index \"3\": skipping this rule",
      p + "6: $number found in negative match replacement text: skipping this rule",
      "warning: empty macro name: \"$\"",
      p + "7: bad replacement syntax: skipping this rule",
      p + "8: non-numeric replacement index \"x\"",
      p + "8: bad replacement syntax: skipping this rule",
      "warning: truncated macro reference: \"${1\"",
      p + "9: bad replacement syntax: skipping this rule",
      p + "10: out-of-range replacement index \"0\"",
      p + "10: bad replacement syntax: skipping this rule",
      p + "11: ignoring ENDIF without matching IF",
      p + "12: ignoring extra text after IF statement: \"X\"",
      p + "12: do not prepend whitespace to statements between IF and ENDIF",
      p + "13: ignoring extra text after ENDIF",
      p + "14: no replacement text: using empty string",
      p + "15: IF has no matching ENDIF",
  };
  REQUIRE(log.lines() == expected);
  // The good rule inside the unterminated IF is still there, behind its test.
  REQUIRE_FALSE(query(*d, "ok").has_value());
  REQUIRE(query(*d, "z") == "");
}

TEST_CASE("a continuation line with nothing to continue is dropped with a warning",
          "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto d = open_regexp(dir, "  /x/ Z\n/(a)(b)/ A\n  cont\n");
  REQUIRE(log.lines() == std::vector<std::string>{"warning: " + dir.file("re") +
                                                  ": logical line must not start with "
                                                  "whitespace: \"  /x/ Z\""});
  REQUIRE_FALSE(query(*d, "x").has_value());
  REQUIRE(query(*d, "ab") == "A  cont");
}

TEST_CASE("warnings name the first physical line of a continued rule", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  open_regexp(dir, "/b/ B\n/(c/ Z\n cont\n/d/ D\n");
  REQUIRE(log.lines() == std::vector<std::string>{"warning: regexp map " + dir.file("re") +
                                                  ", line 2: Unmatched ( or \\("});
}

TEST_CASE("a missing regexp file is an error naming the file", "[tables]") {
  auto d = util::open_regexp_dict("/nonexistent/re", {});
  REQUIRE_FALSE(d.has_value());
  REQUIRE(d.error().message == "open /nonexistent/re: No such file or directory");
}

TEST_CASE("regexp tables cannot be created in bulk", "[tables]") {
  util::DictOpenOptions create;
  create.create = true;
  auto d = util::open_regexp_dict("/nonexistent/re", create);
  REQUIRE_FALSE(d.has_value());
  REQUIRE(d.error().message ==
          "unsupported dictionary type: regexp does not support bulk-mode creation.");
}

TEST_CASE("each ! toggles negation and a rule without a pattern is skipped", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto d = open_regexp(dir, "if\n!\n!!/^a/ DOUBLE\n! /^b/ NOT-B\nendif\n");
  const std::string p = "warning: regexp map " + dir.file("re") + ", line ";
  REQUIRE(log.lines() == std::vector<std::string>{p + "1: no regexp: skipping this rule",
                                                  p + "2: no regexp: skipping this rule",
                                                  p + "5: ignoring ENDIF without matching IF"});
  REQUIRE(query(*d, "apple") == "DOUBLE");
  REQUIRE(query(*d, "cherry") == "NOT-B");
  REQUIRE_FALSE(query(*d, "banana").has_value());
}
