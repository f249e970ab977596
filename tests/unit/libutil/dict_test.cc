// dict_open(): "type:name" parsing, the type list, and the refusals the
// registry makes for every type alike (wording from Postfix 3.7.11).
#include "libutil/dict.h"

#include <catch.hpp>

#include "tests/support/temp_dir.h"

namespace {

std::string open_error(const std::string& type_name, const util::DictOpenOptions& o = {}) {
  auto d = util::dict_open(type_name, o);
  REQUIRE_FALSE(d);
  return d.error().message;
}

}  // namespace

TEST_CASE("dict_types lists exactly the supported types, sorted", "[tables]") {
  auto types = util::dict_types();
  REQUIRE(types == std::vector<std::string>{"btree", "cidr", "environ", "fail", "hash",
                                            "inline", "internal", "memcache", "nis", "pcre",
                                            "pipemap", "proxy", "randmap", "regexp", "socketmap",
                                            "static", "tcp", "texthash", "unionmap", "unix"});
  REQUIRE(std::is_sorted(types.begin(), types.end()));
  // Every listed type is known to dict_open: none says "unsupported".
  for (const auto& t : types) {
    auto d = util::dict_open(t + ":{x=y}");
    if (!d) CHECK(d.error().message.find("unsupported dictionary type") == std::string::npos);
  }
}

TEST_CASE("a name without type: or with an empty part is refused as Postfix words it",
          "[tables]") {
  REQUIRE(open_error("nosuch") ==
          "open dictionary: expecting \"type:name\" form instead of \"nosuch\"");
  REQUIRE(open_error("environ:") ==
          "open dictionary: expecting \"type:name\" form instead of \"environ:\"");
  REQUIRE(open_error(":x") == "open dictionary: expecting \"type:name\" form instead of \":x\"");
}

TEST_CASE("an unknown type is an unsupported dictionary type", "[tables]") {
  REQUIRE(open_error("foo:bar") == "unsupported dictionary type: foo");
  // A plug-in type Debian ships separately and Postern does not have.
  REQUIRE(open_error("ldap:/etc/x") == "unsupported dictionary type: ldap");
}

TEST_CASE("only hash and btree can be built", "[tables]") {
  util::DictOpenOptions o;
  o.create = true;
  o.writable = true;
  REQUIRE(open_error("inline:{a=1}", o) ==
          "unsupported dictionary type: inline does not support bulk-mode creation.");
  REQUIRE(open_error("texthash:x", o) ==
          "unsupported dictionary type: texthash does not support bulk-mode creation.");
  REQUIRE(open_error("internal:x", o) ==
          "unsupported dictionary type: internal does not support bulk-mode creation.");
}

TEST_CASE("read-only types refuse to be opened for update", "[tables]") {
  util::DictOpenOptions o;
  o.writable = true;
  REQUIRE(open_error("inline:{a=1}", o) == "inline:{a=1} map requires O_RDONLY access mode");
  REQUIRE(open_error("unix:passwd.byname", o) ==
          "unix:passwd.byname map requires O_RDONLY access mode");
  REQUIRE(open_error("unionmap:{static:a}", o) ==
          "unionmap:{static:a} map requires O_RDONLY access mode");
  // internal, environ and fail open, and then answer for themselves.
  REQUIRE(util::dict_open("internal:x", o));
  auto env = util::dict_open("environ:x", o);
  REQUIRE(env);
  auto del = (*env)->remove("x");
  REQUIRE_FALSE(del);
  REQUIRE(del.error().message == "table environ:x: delete operation is not supported");
}

TEST_CASE("proxy: opens the inner table in-process and answers the same", "[tables]") {
  test::TempDir dir;
  {
    util::DictOpenOptions o;
    o.create = true;
    o.writable = true;
    auto b = util::dict_open("hash:" + dir.file("t"), o);
    REQUIRE(b);
    REQUIRE((*b)->update("k", "v"));
    REQUIRE((*b)->commit());
  }
  auto p = util::dict_open("proxy:hash:" + dir.file("t"));
  REQUIRE(p);
  REQUIRE((*p)->type() == "proxy");
  REQUIRE((*p)->name() == "hash:" + dir.file("t"));
  REQUIRE(*(*p)->lookup("K") == "v");
  REQUIRE(*(*p)->lookup("x") == std::nullopt);
  auto seq = (*p)->for_each([](auto, auto) {});
  REQUIRE_FALSE(seq);
  REQUIRE(seq.error().message == "can't sequence maps via the proxy service");
  REQUIRE(*(*util::dict_open("proxy:inline:{x=1}"))->lookup("x") == "1");
  REQUIRE(open_error("proxy:hash:" + dir.file("nosuch")) ==
          "open database " + dir.file("nosuch") + ".db: No such file or directory");
  REQUIRE(open_error("proxy:") ==
          "open dictionary: expecting \"type:name\" form instead of \"proxy:\"");
}

TEST_CASE("types that cannot list their entries say so", "[tables]") {
  for (std::string tn : {"static:a", "environ:x", "unix:passwd.byname", "randmap:{a}",
                         "unionmap:{static:a}"}) {
    auto d = util::dict_open(tn);
    REQUIRE(d);
    auto r = (*d)->for_each([](auto, auto) {});
    REQUIRE_FALSE(r);
    REQUIRE(r.error().message == "table " + tn + ": sequence operation is not supported");
  }
}
