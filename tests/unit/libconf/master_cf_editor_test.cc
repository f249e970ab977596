// Unit tests for conf::edit_master_cf_text (postconf -Me/-MX/-M#/-Fe/-Pe/-PX).
#include <catch.hpp>

#include "libconf/master_cf_editor.h"

namespace {

const std::string kMaster =
    "# header\n"
    "smtp      inet  n       -       y       -       -       smtpd\n"
    "  -o a=1\n"
    "# inside comment\n"
    "  -o smtpd_tls_security_level=encrypt\n"
    "x unix - - - - - cmd arg1\n";

std::string edit(conf::MasterEditMode mode, const std::vector<std::string>& args) {
  auto cf = conf::parse_master_cf("master.cf", kMaster, false);
  REQUIRE(cf);
  auto text = conf::edit_master_cf_text(*cf, mode, args);
  REQUIRE(text);
  return *text;
}

}  // namespace

TEST_CASE("postconf -Me appends a new entry in folded form", "[master_cf_editor]") {
  CHECK(edit(conf::MasterEditMode::kEntry, {"new/unix = new unix - n n - - local -o a=b"}) ==
        kMaster + "new        unix  -       n       n       -       -       local\n    -o a=b\n");
}

TEST_CASE("postconf -Me replaces an entry where it starts; comments inside stay after it",
          "[master_cf_editor]") {
  CHECK(edit(conf::MasterEditMode::kEntry, {"smtp/inet = smtp inet n - n - - smtpd"}) ==
        "# header\n"
        "smtp       inet  n       -       n       -       -       smtpd\n"
        "# inside comment\n"
        "x unix - - - - - cmd arg1\n");
}

TEST_CASE("postconf -Fe rewrites the entry where it ended; comments inside move before it",
          "[master_cf_editor]") {
  CHECK(edit(conf::MasterEditMode::kField, {"smtp/inet/chroot = n"}) ==
        "# header\n"
        "# inside comment\n"
        "smtp       inet  n       -       n       -       -       smtpd\n"
        "    -o a=1\n"
        "    -o smtpd_tls_security_level=encrypt\n"
        "x unix - - - - - cmd arg1\n");
}

TEST_CASE("postconf -Pe inserts new options before the first ordinary argument",
          "[master_cf_editor]") {
  CHECK(edit(conf::MasterEditMode::kParameter, {"x/unix/z=4"}) ==
        "# header\n"
        "smtp      inet  n       -       y       -       -       smtpd\n"
        "  -o a=1\n"
        "# inside comment\n"
        "  -o smtpd_tls_security_level=encrypt\n"
        "x          unix  -       -       -       -       -       cmd\n"
        "    -o z=4\n"
        "    arg1\n");
}

TEST_CASE("postconf -PX removes an option and -M# comments out only the entry's lines",
          "[master_cf_editor]") {
  CHECK(edit(conf::MasterEditMode::kDeleteParameter, {"smtp/inet/a"}) ==
        "# header\n"
        "# inside comment\n"
        "smtp       inet  n       -       y       -       -       smtpd\n"
        "    -o smtpd_tls_security_level=encrypt\n"
        "x unix - - - - - cmd arg1\n");
  CHECK(edit(conf::MasterEditMode::kCommentEntry, {"smtp/inet"}) ==
        "# header\n"
        "#smtp      inet  n       -       y       -       -       smtpd\n"
        "#  -o a=1\n"
        "# inside comment\n"
        "#  -o smtpd_tls_security_level=encrypt\n"
        "x unix - - - - - cmd arg1\n");
  CHECK(edit(conf::MasterEditMode::kDeleteEntry, {"*/unix"}) ==
        "# header\n"
        "smtp      inet  n       -       y       -       -       smtpd\n"
        "  -o a=1\n"
        "# inside comment\n"
        "  -o smtpd_tls_security_level=encrypt\n");
}

TEST_CASE("master.cf edit arguments are checked in Postfix's words", "[master_cf_editor]") {
  auto cf = conf::parse_master_cf("master.cf", kMaster, false);
  REQUIRE(cf);
  auto r = conf::edit_master_cf_text(*cf, conf::MasterEditMode::kDeleteEntry, {"smtp"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "-Me, -MX or -M# requires service_name/type");
  r = conf::edit_master_cf_text(*cf, conf::MasterEditMode::kParameter, {"x/unix/z = 4 5"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "-Pe does not accept whitespace in parameter value");
  r = conf::edit_master_cf_text(*cf, conf::MasterEditMode::kField, {"x/unix/chroot=maybe"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "invalid chroot field \"maybe\" in \"maybe\"");
  r = conf::edit_master_cf_text(*cf, conf::MasterEditMode::kEntry, {"x/unix = x unix -"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "bad field count: \"x/unix = x unix -\"");
}
