// environ:, unix:, nis: and fail: tables (answers observed on Postfix 3.7.11).
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include <catch.hpp>

#include "libutil/dict.h"
#include "tests/support/log_capture.h"

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

}  // namespace

TEST_CASE("environ: looks keys up in the environment, folded unless told not to",
          "[tables]") {
  ::setenv("POSTERN_DICT_TEST", "upper", 1);
  ::setenv("postern_dict_test", "lower", 1);
  auto folded = open_or_fail("environ:x");
  REQUIRE(lookup(*folded, "POSTERN_DICT_TEST") == "lower");
  util::DictOpenOptions o;
  o.fold_case = false;
  auto exact = open_or_fail("environ:x", o);
  REQUIRE(lookup(*exact, "POSTERN_DICT_TEST") == "upper");
  REQUIRE(lookup(*exact, "POSTERN_DICT_TEST_UNSET") == std::nullopt);
  ::unsetenv("POSTERN_DICT_TEST");
  ::unsetenv("postern_dict_test");
}

TEST_CASE("unix:passwd.byname answers the passwd line of a user", "[tables]") {
  auto d = open_or_fail("unix:passwd.byname");
  struct passwd* pw = ::getpwnam("root");
  REQUIRE(pw != nullptr);
  std::string expect = std::string("root:") + pw->pw_passwd + ":0:0:" + pw->pw_gecos + ":" +
                       pw->pw_dir + ":" + pw->pw_shell;
  REQUIRE(lookup(*d, "root") == expect);
  REQUIRE(lookup(*d, "ROOT") == expect);  // the key is folded
  REQUIRE(lookup(*d, "no-such-user-postern") == std::nullopt);
}

TEST_CASE("unix:group.byname answers name:passwd:gid:members", "[tables]") {
  auto d = open_or_fail("unix:group.byname");
  struct group* gr = ::getgrnam("root");
  REQUIRE(gr != nullptr);
  auto root = lookup(*d, "root");
  REQUIRE(root);
  REQUIRE(root->rfind(std::string("root:") + gr->gr_passwd + ":0:", 0) == 0);
  REQUIRE(lookup(*d, "no-such-group-postern") == std::nullopt);
}

TEST_CASE("unix: knows only passwd.byname and group.byname", "[tables]") {
  auto d = util::dict_open("unix:foo");
  REQUIRE_FALSE(d);
  REQUIRE(d.error().message == "unknown table: unix:foo");
}

TEST_CASE("nis: without an NIS domain warns once at open and finds nothing", "[tables]") {
  char domain[256] = {};
  ::getdomainname(domain, sizeof domain - 1);
  test::LogCapture log;
  auto d = open_or_fail("nis:mail.aliases");
  REQUIRE(lookup(*d, "root") == std::nullopt);
  if (std::string_view(domain).empty() || std::string_view(domain) == "(none)") {
    REQUIRE(log.lines() == std::vector<std::string>{
                               "warning: dict_nis_init: NIS domain name not set - NIS lookups "
                               "disabled"});
  }
}

TEST_CASE("fail: makes every access an error, never a not-found", "[tables]") {
  util::DictOpenOptions o;
  o.writable = true;
  auto d = open_or_fail("fail:x", o);
  auto q = d->lookup("a");
  REQUIRE_FALSE(q);
  REQUIRE(q.error().message == "table fail:x: query error: Application error");
  auto u = d->update("a", "b");
  REQUIRE_FALSE(u);
  REQUIRE(u.error().message == "table fail:x: write error: Application error");
  auto r = d->remove("a");
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "table fail:x: delete error: Application error");
  auto s = d->for_each([](auto, auto) {});
  REQUIRE_FALSE(s);
  REQUIRE(s.error().message == "table fail:x: sequence error: Application error");
}
