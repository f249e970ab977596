#include "libmail/daemon_options.h"

#include <catch.hpp>

using mail::parse_daemon_options;

TEST_CASE("daemon options parse the argv master builds for a service", "[daemon]") {
  auto o = parse_daemon_options({"-n", "127.0.0.1:24027", "-t", "inet", "-u", "-c", "-o",
                                 "syslog_name=postfix/lim", "-o", "smtpd_recipient_limit=2"},
                                "smtpd");
  REQUIRE(o);
  CHECK(o->service_name == "127.0.0.1:24027");
  CHECK(o->service_type == "inet");
  CHECK(o->unprivileged);
  CHECK(o->chroot);
  CHECK_FALSE(o->single_process);
  CHECK_FALSE(o->unlimited);
  REQUIRE(o->overrides.size() == 2);
  CHECK(o->overrides[0] == std::pair<std::string, std::string>{"syslog_name", "postfix/lim"});
  CHECK(o->overrides[1] == std::pair<std::string, std::string>{"smtpd_recipient_limit", "2"});
}

TEST_CASE("the service name defaults to the program name", "[daemon]") {
  auto o = parse_daemon_options({"-l", "-t", "unix", "-u"}, "pickup");
  REQUIRE(o);
  CHECK(o->service_name == "pickup");
  CHECK(o->single_process);
  CHECK_FALSE(o->chroot);
  CHECK_FALSE(o->stand_alone);
}

TEST_CASE("-S asks for smtpd's stand-alone mode (sendmail -bs)", "[daemon]") {
  auto o = parse_daemon_options({"-S"}, "smtpd");
  REQUIRE(o);
  CHECK(o->stand_alone);
  CHECK(o->service_name == "smtpd");
  CHECK_FALSE(o->chroot);
  CHECK_FALSE(o->unprivileged);
}

TEST_CASE("daemon flags may be bundled and take attached values", "[daemon]") {
  auto o = parse_daemon_options({"-zuc", "-ndefer", "-tunix", "-vv", "-D"}, "bounce");
  REQUIRE(o);
  CHECK(o->unlimited);
  CHECK(o->unprivileged);
  CHECK(o->chroot);
  CHECK(o->service_name == "defer");
  CHECK(o->service_type == "unix");
  CHECK(o->verbose == 2);
  CHECK(o->debug);
}

TEST_CASE("an -o value keeps its spaces and commas", "[daemon]") {
  auto o =
      parse_daemon_options({"-o", "smtpd_client_restrictions=permit_mynetworks, reject"}, "smtpd");
  REQUIRE(o);
  CHECK(o->overrides[0].second == "permit_mynetworks, reject");
}

TEST_CASE("bad daemon options are errors in Postfix's words", "[daemon]") {
  auto bad = parse_daemon_options({"-x"}, "smtpd");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "invalid option -- 'x'");
  auto noeq = parse_daemon_options({"-o", "novalue"}, "smtpd");
  REQUIRE_FALSE(noeq);
  CHECK(noeq.error().message == "invalid \"-o\" option value: \"novalue\"");
  auto missing = parse_daemon_options({"-n"}, "smtpd");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "option requires an argument -- 'n'");
}

TEST_CASE("words after the options are the service's own arguments", "[daemon]") {
  auto o = parse_daemon_options(
      {"-n", "policy", "-t", "unix", "user=nobody", "argv=/usr/bin/policy", "-x", "arg"}, "spawn");
  REQUIRE(o);
  CHECK(o->service_name == "policy");
  CHECK(o->args == std::vector<std::string>{"user=nobody", "argv=/usr/bin/policy", "-x", "arg"});
  auto none = parse_daemon_options({"-t", "unix"}, "spawn");
  REQUIRE(none);
  CHECK(none->args.empty());
}
