// randmap:, pipemap: and unionmap: tables (answers observed on Postfix 3.7.11).
#include <catch.hpp>
#include <set>

#include "libutil/dict.h"
#include "tests/support/temp_dir.h"

namespace {

std::unique_ptr<util::Dict> open_or_fail(const std::string& type_name) {
  auto d = util::dict_open(type_name);
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

TEST_CASE("randmap: answers each of its values for any key", "[tables]") {
  auto d = open_or_fail("randmap:{ a b , c, {d e}}");
  std::set<std::string> seen;
  for (int i = 0; i < 400; ++i) seen.insert(*lookup(*d, "key"));
  REQUIRE(seen == std::set<std::string>{"a", "b", "c", "d e"});
  REQUIRE(open_error("randmap:{}") == "bad syntax: \"randmap:{}\"; need \"randmap:{value...}\"");
  REQUIRE(open_error("randmap:a") == "bad syntax: \"randmap:a\"; need \"randmap:{value...}\"");
}

TEST_CASE("pipemap: feeds each table's answer to the next", "[tables]") {
  auto d = open_or_fail("pipemap:{inline:{a=b}, inline:{b=c}}");
  REQUIRE(lookup(*d, "A") == "c");
  REQUIRE(lookup(*d, "x") == std::nullopt);
  REQUIRE(lookup(*open_or_fail("pipemap:{inline:{a=b}}"), "a") == "b");
  auto failing = open_or_fail("pipemap:{fail:x,inline:{x=b}}");
  auto r = failing->lookup("x");
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message ==
          "table pipemap:{fail:x,inline:{x=b}}: query error: Application error");
}

TEST_CASE("pipemap: and unionmap: refuse a list that is not of tables", "[tables]") {
  REQUIRE(open_error("pipemap:{}") == "bad syntax: \"pipemap:{}\"; need \"pipemap:{type:name...}\"");
  REQUIRE(open_error("pipemap:foo") ==
          "bad syntax: \"pipemap:foo\"; need \"pipemap:{type:name...}\"");
  REQUIRE(open_error("pipemap:{inline:{a=b},x}") ==
          "bad syntax: \"pipemap:{inline:{a=b},x}\"; need \"pipemap:{type:name...}\"");
  REQUIRE(open_error("unionmap:{inline:{x=b}}x") ==
          "bad syntax: \"unionmap:{inline:{x=b}}x\"; need \"unionmap:{type:name...}\"");
  REQUIRE(open_error("unionmap:{inline:{a=b},foo:x}") == "unsupported dictionary type: foo");
}

TEST_CASE("unionmap: joins every table's answer with commas", "[tables]") {
  REQUIRE(lookup(*open_or_fail("unionmap:{inline:{a=b},inline:{a=c}}"), "a") == "b,c");
  REQUIRE(lookup(*open_or_fail("unionmap:{inline:{a=b},inline:{x=c},static:z}"), "a") == "b,z");
  REQUIRE(lookup(*open_or_fail("unionmap:{inline:{x=b} static:q}"), "x") == "b,q");
  REQUIRE(lookup(*open_or_fail("unionmap:{inline:{a=b},inline:{b=c}}"), "x") == std::nullopt);
  auto failing = open_or_fail("unionmap:{inline:{x=b},fail:x}");
  auto r = failing->lookup("x");
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message ==
          "table unionmap:{inline:{x=b},fail:x}: query error: Application error");
}

TEST_CASE("a composite with a pattern member is itself a pattern table", "[tables]") {
  REQUIRE_FALSE(open_or_fail("unionmap:{inline:{a=b},static:z}")->is_pattern());
  REQUIRE_FALSE(open_or_fail("pipemap:{inline:{a=b}}")->is_pattern());
  test::TempDir dir;
  const std::string re = dir.write("re", "/^a/ b\n");
  REQUIRE(open_or_fail("regexp:" + re)->is_pattern());
  REQUIRE(open_or_fail("unionmap:{inline:{x=y},regexp:" + re + "}")->is_pattern());
  REQUIRE(open_or_fail("pipemap:{regexp:" + re + ",inline:{b=c}}")->is_pattern());
  REQUIRE(lookup(*open_or_fail("pipemap:{regexp:" + re + ",inline:{b=c}}"), "abc") == "c");
}
