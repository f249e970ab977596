#include "libmail/bounce_template.h"

#include <catch.hpp>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "tests/support/log_capture.h"

TEST_CASE("a template file replaces only the templates it defines, header by header",
          "[bounce]") {
  test::LogCapture log;
  auto t = mail::parse_bounce_templates(
      "# comment\n"
      "\n"
      "delay_template = <<EOF\n"
      "Subject: Still trying\n"
      "\n"
      "Waiting $delay_warning_time_hours hours.\n"
      "EOF\n",
      "/etc/postfix/bounce.cf");
  REQUIRE(t.size() == 4);
  CHECK(t[0].subject == "Undelivered Mail Returned to Sender");
  CHECK(t[1].name == "delay_template");
  CHECK(t[1].subject == "Still trying");
  CHECK(t[1].charset == "us-ascii");
  CHECK(t[1].postmaster_subject == "Postmaster Warning: Delayed Mail");
  CHECK(t[1].text == "Waiting $delay_warning_time_hours hours.\n");
  CHECK(log.lines().empty());
}

TEST_CASE("unknown template names and header labels are ignored with Postfix's warnings",
          "[bounce]") {
  test::LogCapture log;
  auto t = mail::parse_bounce_templates(
      "success_template = <<EOF\n"
      "X-Bad: 1\n"
      "\n"
      "changed\n"
      "EOF\n"
      "bogus_template = <<EOF\n"
      "Subject: z\n"
      "\n"
      "q\n"
      "EOF\n",
      "f.cf");
  CHECK(t[2].text == mail::builtin_bounce_template(mail::NoticeKind::kSuccess).text);
  REQUIRE(log.lines().size() == 2);
  CHECK(log.lines()[0] ==
        "warning: f.cf, line 11: unknown template name: bogus_template -- ignoring this template");
  CHECK(log.lines()[1] ==
        "warning: f.cf: unknown \"X-Bad\" header label in success template -- ignoring this "
        "template");
}

TEST_CASE("a time in a unit too small for the template draws Postfix's warnings", "[bounce]") {
  conf::Config config;
  config.set_override("myhostname", "h.example");
  config.set_override("delay_warning_time", "1500s");
  mail::BounceTemplate t = mail::builtin_bounce_template(mail::NoticeKind::kFailure);
  t.text = "a=$delay_warning_time_seconds b=$delay_warning_time_minutes\n";
  test::LogCapture log;
  auto lines = mail::expand_template_text(t, config, "x.cf");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "a=1500 b=25");
  REQUIRE(log.lines().size() == 3);
  CHECK(log.lines()[0] ==
        "warning: x.cf: excessive result \"1500\" in failure template conversion of parameter "
        "\"delay_warning_time_seconds\"");
  CHECK(log.lines()[1] ==
        "warning: please increase time unit \"seconds\" of \"delay_warning_time_seconds\" in "
        "failure template");
  CHECK(log.lines()[2] == "warning: for instructions see the bounce(5) manual");
}
