// inline:, static:, texthash: and internal: tables (tables.md §4).
#include <catch.hpp>

#include "libutil/dict.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

std::unique_ptr<util::Dict> open_or_fail(const std::string& type_name,
                                         const util::DictOpenOptions& options = {}) {
  auto d = util::dict_open(type_name, options);
  if (!d) FAIL(d.error().message);
  return std::move(*d);
}

std::optional<std::string> lookup(util::Dict& d, std::string_view key) {
  auto r = d.lookup(key);
  if (!r) FAIL(r.error().message);
  return *r;
}

std::string open_error(const std::string& type_name) {
  auto d = util::dict_open(type_name);
  REQUIRE_FALSE(d);
  return d.error().message;
}

}  // namespace

TEST_CASE("inline: holds its entries in the name, braces group a value with spaces",
          "[tables]") {
  auto d = open_or_fail("inline:{ k=v, B=2, { c = 3 3 } }");
  REQUIRE(lookup(*d, "k") == "v");
  REQUIRE(lookup(*d, "b") == "2");   // keys are folded
  REQUIRE(lookup(*d, "C") == "3 3");
  REQUIRE(lookup(*d, "3") == std::nullopt);
  auto nested = open_or_fail("inline:{a=1, { c = 3 3 }}");
  REQUIRE(lookup(*nested, "c") == "3 3");
  REQUIRE(lookup(*open_or_fail("inline:{a=1,a=2}"), "a") == "2");  // the last one wins
  REQUIRE(lookup(*open_or_fail("inline:{{a=1 },}"), "a") == "1");
  std::vector<std::string> keys;
  REQUIRE(d->for_each([&](std::string_view k, std::string_view) { keys.emplace_back(k); }));
  REQUIRE(keys == std::vector<std::string>{"k", "b", "c"});
}

TEST_CASE("inline: without case folding keeps the key as written", "[tables]") {
  util::DictOpenOptions o;
  o.fold_case = false;
  auto d = open_or_fail("inline:{A=1}", o);
  REQUIRE(lookup(*d, "A") == "1");
  REQUIRE(lookup(*d, "a") == std::nullopt);
}

TEST_CASE("inline: syntax errors read as Postfix's", "[tables]") {
  REQUIRE(open_error("inline:{a=1,") ==
          "bad syntax: \"inline:{a=1,\"; need \"inline:{name=value...}\"");
  REQUIRE(open_error("inline:{}") == "bad syntax: \"inline:{}\"; need \"inline:{name=value...}\"");
  REQUIRE(open_error("inline:a=1") == "bad syntax: \"inline:a=1\"; need \"inline:{name=value...}\"");
  REQUIRE(open_error("inline:{x=1}garbage") ==
          "bad syntax: \"inline:{x=1}garbage\"; need \"inline:{name=value...}\"");
  REQUIRE(open_error("inline:{a}") ==
          "missing '=' after attribute name: \"inline:{a}\"; need \"inline:{name=value...}\"");
  // Blanks separate entries, so "a = 1" is three words.
  REQUIRE(open_error("inline:{ a = 1 , b=2}") ==
          "missing '=' after attribute name: \"inline:{ a = 1 , b=2}\"; need "
          "\"inline:{name=value...}\"");
}

TEST_CASE("static: answers its value for every key", "[tables]") {
  REQUIRE(lookup(*open_or_fail("static:OK"), "anything") == "OK");
  REQUIRE(lookup(*open_or_fail("static:{with space}"), "x") == "with space");
  REQUIRE(lookup(*open_or_fail("static:{ a b }"), "x") == "a b");
  REQUIRE(open_error("static:{a") == "bad static:name syntax: missing '}' in \"{a\"");
  REQUIRE(open_error("static:{a}b") ==
          "bad static:name syntax: syntax error after '}' in \"{a}b\"");
}

TEST_CASE("texthash: reads a postmap source file at open time", "[tables]") {
  test::TempDir dir;
  dir.write("access", "User@Example.COM   OK\nexample.com REJECT domain\n  more\n");
  auto d = open_or_fail("texthash:" + dir.file("access"));
  REQUIRE(lookup(*d, "user@example.com") == "OK");
  REQUIRE(lookup(*d, "EXAMPLE.COM") == "REJECT domain  more");
  REQUIRE(open_error("texthash:" + dir.file("nosuch")) ==
          "open database " + dir.file("nosuch") + ": No such file or directory");
}

TEST_CASE("texthash: warns about duplicates and bad lines in its own words", "[tables]") {
  test::TempDir dir;
  const std::string th = dir.write("th", "a 1\nA 2\nb\nc 3\n");
  test::LogCapture log;
  auto d = open_or_fail("texthash:" + th);
  REQUIRE(lookup(*d, "a") == "1");
  REQUIRE(log.lines() ==
          std::vector<std::string>{
              "warning: " + th + ", line 2: duplicate entry: \"A\"",
              "warning: " + th +
                  ", line 3: expected format: key whitespace value -- ignoring this line"});
  std::vector<std::string> dump;
  REQUIRE(d->for_each([&](std::string_view k, std::string_view v) {
    dump.push_back(std::string(k) + "\t" + std::string(v));
  }));
  REQUIRE(dump == std::vector<std::string>{"a\t1", "c\t3"});

  util::DictOpenOptions replace;
  replace.duplicates = util::DictDuplicates::kReplace;
  REQUIRE(lookup(*open_or_fail("texthash:" + th, replace), "a") == "2");
  util::DictOpenOptions nofold;
  nofold.fold_case = false;
  REQUIRE(lookup(*open_or_fail("texthash:" + th, nofold), "A") == "2");
}

TEST_CASE("internal: starts empty and takes updates in memory", "[tables]") {
  util::DictOpenOptions o;
  o.writable = true;
  auto d = open_or_fail("internal:cache", o);
  REQUIRE(lookup(*d, "a") == std::nullopt);
  REQUIRE(d->update("A", "1"));
  REQUIRE(lookup(*d, "a") == "1");
  REQUIRE(d->update("a", "2"));
  REQUIRE(lookup(*d, "a") == "2");
  REQUIRE(*d->remove("a"));
  REQUIRE_FALSE(*d->remove("a"));
  REQUIRE(lookup(*d, "a") == std::nullopt);
  // A new open is a new, empty table.
  REQUIRE(lookup(*open_or_fail("internal:cache"), "a") == std::nullopt);
}

TEST_CASE("an empty answer is found but warned about as Postfix does", "[tables]") {
  test::LogCapture log;
  REQUIRE(lookup(*open_or_fail("inline:{a=,b=1}"), "A") == "");
  REQUIRE(log.lines() == std::vector<std::string>{
                             "warning: table inline:{a=,b=1}: key A: empty string result is not "
                             "allowed",
                             "warning: table inline:{a=,b=1} should return NO RESULT in case of "
                             "NOT FOUND"});
  log.clear();
  REQUIRE(lookup(*open_or_fail("static:{ }"), "AB") == "");
  REQUIRE(log.contains("warning: table static:{ }: key AB: empty string result is not allowed"));
  log.clear();
  REQUIRE(lookup(*open_or_fail("inline:{a=1}"), "a") == "1");
  REQUIRE(log.lines().empty());
}
