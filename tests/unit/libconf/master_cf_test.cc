// Unit tests for conf::parse_master_cf and the postconf -M formatting.
#include <catch.hpp>

#include "libconf/master_cf.h"

namespace {

conf::MasterCf parse(const std::string& text) {
  auto cf = conf::parse_master_cf("/etc/postfix/master.cf", text, false);
  REQUIRE(cf);
  return *cf;
}

}  // namespace

TEST_CASE("master.cf continuation lines join an entry and comments inside it are skipped",
          "[master_cf]") {
  auto cf = parse(
      "# header\n"
      "smtp      inet  n       -       y       -       -       smtpd\n"
      "  -o a=1\n"
      "# a comment inside the entry\n"
      "\n"
      "  -o smtpd_tls_security_level=encrypt\n"
      "pickup    unix  n       -       y       60      1       pickup\n");
  REQUIRE(cf.entries.size() == 2);
  const auto& smtp = cf.entries[0];
  CHECK(smtp.service == "smtp");
  CHECK(smtp.type == "inet");
  CHECK(smtp.private_ == "n");
  CHECK(smtp.unprivileged == "-");
  CHECK(smtp.chroot == "y");
  CHECK(smtp.first_line == 2);
  CHECK(smtp.last_line == 6);
  CHECK(smtp.command == "smtpd");
  REQUIRE(smtp.options.size() == 2);
  CHECK(smtp.options[0] == std::pair<std::string, std::string>("a", "1"));
  CHECK(smtp.options[1].first == "smtpd_tls_security_level");
  CHECK(cf.entries[1].first_line == 7);
  CHECK(cf.entries[1].wakeup == "60");
  CHECK(cf.entries[1].process_limit == "1");
  CHECK(cf.lines.size() == 7);
}

TEST_CASE("a braced -o value may hold spaces and is normalised to name=value", "[master_cf]") {
  auto cf = parse("smtp inet n - y - - smtpd -o { smtpd_client_restrictions = permit_mynetworks, reject }\n");
  const auto& e = cf.entries.at(0);
  REQUIRE(e.options.size() == 1);
  CHECK(e.options[0].first == "smtpd_client_restrictions");
  CHECK(e.options[0].second == "permit_mynetworks, reject");
  CHECK(conf::master_field(e, 7) == "smtpd -o {smtpd_client_restrictions=permit_mynetworks, reject}");
}

TEST_CASE("only the leading daemon options are parsed as -o settings", "[master_cf]") {
  auto cf = parse("a unix - - - - - smtpd -v -ox=1 foo -o z=3\n");
  const auto& e = cf.entries.at(0);
  REQUIRE(e.options.size() == 1);
  CHECK(e.options[0].first == "x");
  CHECK(e.args == std::vector<std::string>{"-v", "foo", "-o", "z=3"});
  CHECK(conf::master_field(e, 7) == "smtpd -v -o x=1 foo -o z=3");
}

TEST_CASE("the word that ends the daemon options loses its braces, later words keep them",
          "[master_cf]") {
  auto cf = parse("a unix - - - - - cmd {a b} { c d } {}\n");
  CHECK(conf::master_field(cf.entries.at(0), 7) == "cmd a b {c d} ");
}

TEST_CASE("a dash column keeps its dash", "[master_cf]") {
  auto cf = parse("x unix - - - - - cmd\n");
  const auto& e = cf.entries.at(0);
  CHECK(e.private_ == "-");
  CHECK(e.wakeup == "-");
  CHECK(e.process_limit == "-");
}

TEST_CASE("a short entry is a bad field count naming the file and line", "[master_cf]") {
  auto cf = conf::parse_master_cf("/etc/postfix/master.cf", "# c\na unix - - - -\n", false);
  REQUIRE_FALSE(cf);
  CHECK(cf.error().message == "file /etc/postfix/master.cf: line 2: bad field count");
}

TEST_CASE("bad column values are rejected in Postfix's words", "[master_cf]") {
  auto cf = conf::parse_master_cf("m", "a inetx - - - - - cmd\n", false);
  REQUIRE_FALSE(cf);
  CHECK(cf.error().message == "invalid type field \"inetx\" in \"a inetx - - - - - cmd\"");
  CHECK_FALSE(conf::parse_master_cf("m", "a unix - - - 10x - cmd\n", false));
  CHECK(conf::parse_master_cf("m", "a unix - - - 10? - cmd\n", false));
  CHECK_FALSE(conf::parse_master_cf("m", "a unix yes - - - - cmd\n", false));
  CHECK_FALSE(conf::parse_master_cf("m", "a unix - - - - -1 cmd\n", false));
}

TEST_CASE("postconf -M lines put fields at fixed columns or one space apart", "[master_cf]") {
  auto cf = parse(
      "smtp inet n - y - - smtpd\n"
      "127.0.0.1:2525 inet n - n - - smtpd\n"
      "averyveryveryverylongservicename unix - - n - - smtp\n"
      "postlog unix-dgram n - n - 1 postlogd\n");
  CHECK(conf::format_master_entry(cf.entries[0], false) ==
        "smtp       inet  n       -       y       -       -       smtpd\n");
  CHECK(conf::format_master_entry(cf.entries[1], false) ==
        "127.0.0.1:2525 inet n    -       n       -       -       smtpd\n");
  CHECK(conf::format_master_entry(cf.entries[2], false) ==
        "averyveryveryverylongservicename unix - - n -    -       smtp\n");
  CHECK(conf::format_master_entry(cf.entries[3], false) ==
        "postlog    unix-dgram n  -       n       -       1       postlogd\n");
}

TEST_CASE("postconf -Mf puts each -o on its own line and folds at 79 columns", "[master_cf]") {
  auto cf = parse(
      "smtp inet n - y - - smtpd -o a=1 -o {b = c d}\n"
      "x unix - - - - - cmd arg1 arg2 arg3 arg4 arg5 arg6 arg7 arg8 arg9 arg10 arg11 arg12 arg13 "
      "arg14 arg15 arg16\n");
  CHECK(conf::format_master_entry(cf.entries[0], true) ==
        "smtp       inet  n       -       y       -       -       smtpd\n"
        "    -o a=1\n"
        "    -o {b=c d}\n");
  CHECK(conf::format_master_entry(cf.entries[1], true) ==
        "x          unix  -       -       -       -       -       cmd arg1 arg2 arg3\n"
        "    arg4 arg5 arg6 arg7 arg8 arg9 arg10 arg11 arg12 arg13 arg14 arg15 arg16\n");
}

TEST_CASE("a missing master.cf is an open error", "[master_cf]") {
  auto cf = conf::read_master_cf("/nonexistent/master.cf");
  REQUIRE_FALSE(cf);
  CHECK(cf.error().message == "open /nonexistent/master.cf: No such file or directory");
}
