// Every row of compat/config.md §2 plus the error texts observed on
// Postfix 3.7.11 (postconf -xh with a scratch main.cf).
#include <catch.hpp>

#include <map>

#include "libconf/expand.h"
#include "tests/support/log_capture.h"

namespace {

struct Fixture {
  std::map<std::string, std::string, std::less<>> params = {
      {"mydomain", "example.com"}, {"myhostname", "host.example.com"}, {"empty_p", ""},
      {"compatibility_level", "0"},
  };
  std::vector<std::string> undefined;

  conf::ExpandContext context() {
    conf::ExpandContext c;
    c.lookup = [this](std::string_view n) -> std::optional<std::string> {
      auto it = params.find(n);
      if (it == params.end()) return std::nullopt;
      return it->second;
    };
    c.on_undefined = [this](std::string_view n) { undefined.emplace_back(n); };
    return c;
  }
  std::string ok(const std::string& text) {
    auto r = conf::expand_macros(text, context());
    INFO(text);
    REQUIRE(r);
    return *r;
  }
  std::string error(const std::string& text) {
    auto r = conf::expand_macros(text, context());
    INFO(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == util::ErrorKind::kMalformed);
    return r.error().message;
  }
};

}  // namespace

TEST_CASE("expansion substitutes $name, ${name} and $(name)", "[conf]") {
  Fixture f;
  CHECK(f.ok("$mydomain") == "example.com");
  CHECK(f.ok("${mydomain}") == "example.com");
  CHECK(f.ok("$(mydomain)") == "example.com");
  CHECK(f.ok("${ mydomain }") == "example.com");
  CHECK(f.ok("$mydomain}") == "example.com}");
  CHECK(f.ok("{a}") == "{a}");
}

TEST_CASE("expansion of ${name?value} and ${name:value} tests for a non-empty value", "[conf]") {
  Fixture f;
  CHECK(f.ok("${mydomain?yes-set}") == "yes-set");
  CHECK(f.ok("${empty_p?yes-set}") == "");
  CHECK(f.ok("${mydomain:empty-default}") == "");
  CHECK(f.ok("${empty_p:empty-default}") == "empty-default");
  CHECK(f.ok("${mydomain?{braced, value}}") == "braced, value");
  CHECK(f.ok("${mydomain?{v1}:{v2}}") == "v1");
  CHECK(f.ok("${empty_p?{v1}:{v2}}") == "v2");
  CHECK(f.ok("${empty_p?{v1}:v2 plain}") == "v2 plain");
  CHECK(f.ok("${mydomain?$myhostname}") == "host.example.com");
  CHECK(f.ok("${empty_p:{$myhostname}}") == "host.example.com");
  CHECK(f.ok("$(empty_p:foo)") == "foo");
  CHECK(f.ok("$(mydomain?x)") == "x");
  // An unbraced first branch is the rest of the text.
  CHECK(f.ok("${mydomain?x?y}") == "x?y");
  CHECK(f.ok("${mydomain?a:{b}}") == "a:{b}");
  CHECK(f.ok("${empty_p?{a}: {b} }") == "b");
  CHECK(f.ok("${empty_p?{a}:x{b}}") == "x{b}");
  CHECK(f.ok("${empty_p:a}b${mydomain?c}") == "abc");
}

TEST_CASE("expansion tests the raw value, not the expanded one", "[conf]") {
  Fixture f;
  f.params["empty_ref"] = "$empty_p";
  CHECK(f.ok("${empty_ref?{set}:{unset}}") == "set");
}

TEST_CASE("expansion of undefined names gives nothing and reports each reference", "[conf]") {
  Fixture f;
  CHECK(f.ok("${undefined_param:undef-default}") == "undef-default");
  CHECK(f.ok("${undefined_param?undef-set}") == "");
  CHECK(f.ok("$myhostname.$mydomain-$undefined_x") == "host.example.com.example.com-");
  CHECK(f.undefined ==
        std::vector<std::string>{"undefined_param", "undefined_param", "undefined_x"});
}

TEST_CASE("expansion compares braced operands numerically or lexically", "[conf]") {
  Fixture f;
  CHECK(f.ok("${{$mydomain} == {example.com}?{equal}:{notequal}}") == "equal");
  CHECK(f.ok("${{$mydomain} != {example.com}?{differs}:{same}}") == "same");
  CHECK(f.ok("${{10} < {9}?{lt}:{ge}}") == "ge");
  CHECK(f.ok("${{abc} < {abd}?{lt}:{ge}}") == "lt");
  CHECK(f.ok("${{10} <= {10}?{le}:{gt}}") == "le");
  CHECK(f.ok("${{10} > {9}?{gt}:{le}}") == "gt");
  CHECK(f.ok("${{9} >= {10}?{ge}:{lt}}") == "lt");
  CHECK(f.ok("${ {a} == {a} ? {yes} : {no} }") == "yes");
  CHECK(f.ok("${{$empty_p} == {}?{isempty}:{notempty}}") == "isempty");
  CHECK(f.ok("${{010} == {10}?{eq}:{ne}}") == "eq");
  CHECK(f.ok("${{ 10} < {9}?{lt}:{ge}}") == "lt");  // not all digits: lexical
  CHECK(f.ok("${{a}=={a}:x}") == "");
  CHECK(f.ok("${{a}!={a}:x}") == "x");
  CHECK(f.ok("${{a} == {b}}") == "");
  CHECK(f.ok("${{1}=={1}?x:y}") == "x:y");
}

TEST_CASE("expansion compares compatibility levels with the level operators", "[conf]") {
  Fixture f;
  CHECK(f.ok("${{$compatibility_level} <level {1} ? {yes} : {no}}") == "yes");
  CHECK(f.ok("${{3.6} <level {3.10}?{lt}:{ge}}") == "lt");
  CHECK(f.ok("${{3.10} <level {3.6}?{lt}:{ge}}") == "ge");
  CHECK(f.ok("${{1} ==level {1.0}?{eq}:{ne}}") == "eq");
  CHECK(f.ok("${{01} ==level {1}?{eq}:{ne}}") == "eq");
  CHECK(f.ok("${{1.2.3} <level {1.2.4}?{lt}:{ge}}") == "lt");
  CHECK(f.ok("${{2} >=level {1}?{ge}:{lt}}") == "ge");
  CHECK(f.ok("${{1} >level {2}?{gt}:{le}}") == "le");
  CHECK(f.ok("${{1} <=level {1}?{le}:{gt}}") == "le");
  CHECK(f.ok("${{1} !=level {2}?{ne}:{eq}}") == "ne");
  CHECK(f.error("${{abc} <level {2}?x:y}") == "malformed compatibility level syntax: \"abc\"");
  CHECK(f.error("${{1.2.3.4} <level {1}?x:y}") ==
        "malformed compatibility level syntax: \"1.2.3.4\"");
  CHECK(f.error("${{1.} <level {1}?x:y}") == "malformed compatibility level syntax: \"1.\"");
  CHECK(f.error("${{1} <levelx {2}?x}") == "bad operator suffix at: \"...<>>>levelx\"");
}

TEST_CASE("expansion turns $$ into a literal dollar", "[conf]") {
  Fixture f;
  CHECK(f.ok("price $$5 and $$mydomain") == "price $5 and $mydomain");
  CHECK(f.ok("$empty_p$$$mydomain") == "$example.com");
}

TEST_CASE("expansion errors use Postfix's words and context", "[conf]") {
  Fixture f;
  CHECK(f.error("${mydomain!=x?y}") == "attribute name syntax error at: \"...mydomain>>>!=x?y\"");
  CHECK(f.error("${  mydomain   x}") ==
        "attribute name syntax error at: \"...  mydomain>>>   x\"");
  CHECK(f.error("${mydo-main}") == "attribute name syntax error at: \"...mydo>>>-main\"");
  CHECK(f.error("${mydomain") == "truncated macro reference: \"${mydomain\"");
  CHECK(f.error("abc ${mydomain?{x}") == "truncated macro reference: \"abc ${mydomain?{x}\"");
  CHECK(f.error("xyz$(mydomain") == "truncated macro reference: \"xyz$(mydomain\"");
  CHECK(f.error("$") == "empty macro name: \"$\"");
  CHECK(f.error("a$") == "empty macro name: \"a$\"");
  CHECK(f.error("abc $-x") == "empty macro name: \"abc $-x\"");
  CHECK(f.error("${}") == "empty macro name: \"${}\"");
  CHECK(f.error("${mydomain?{a}:{b}x}") == "unexpected input at: \"...b}>>>x\"");
  CHECK(f.error("${mydomain:{abcd}  x}") == "unexpected input at: \"...abcd}>>>x\"");
  CHECK(f.error("${mydomain?{a}:{b}:{c}}") == "unexpected input at: \"...b}>>>:{c}\"");
  CHECK(f.error("${mydomain?{abcd}   x}") == "\":\" expected at: \"...abcd}>>>x\"");
  CHECK(f.error("${{a} =~ {b}?x:y}") ==
        "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: "
        "\"...a}>>>=~ {b}?x:y\"");
  CHECK(f.error("${{a} == {bcdef}   x}") == "\"?\" or \":\" expected at: \"...}>>>x\"");
  CHECK(f.error("${  {abc}   ==   b?x}") == "\"{expression}\" expected at: \"...{abc} ==>>>   b?x\"");
  CHECK(f.error("${{a} == {b} ? {c} : {def}  x}") == "unexpected input at: \"...def}>>>x\"");
  // Context after ">>>" is cut at 20 characters.
  CHECK(f.error("${mydomain?{a}:{b}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}") ==
        "unexpected input at: \"...b}>>>xxxxxxxxxxxxxxxxxxxx\"");
}

TEST_CASE("expansion only warns about a syntax error in the branch not taken", "[conf]") {
  Fixture f;
  test::LogCapture log;
  CHECK(f.ok("${mydomain?{a}:{$}}") == "a");
  CHECK(log.contains("warning: empty macro name: \"$\""));
  CHECK(f.error("${mydomain?{$}:{a}}") == "empty macro name: \"$\"");
}

TEST_CASE("expansion stops a reference loop at the nesting limit", "[conf]") {
  Fixture f;
  f.params["a"] = "$b";
  f.params["b"] = "$a";
  CHECK(f.error("$b") == "unreasonable macro call nesting: \"a\"");
  // A chain of 100 references is fine, 101 is not.
  for (int i = 1; i <= 101; ++i) f.params["p" + std::to_string(i)] = "$p" + std::to_string(i + 1);
  f.params["p100"] = "end";
  CHECK(f.ok("$p1") == "end");
  f.params["p100"] = "$p101";
  f.params["p101"] = "end";
  CHECK(f.error("$p1") == "unreasonable macro call nesting: \"end\"");
}
