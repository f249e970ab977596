// The bytes local(8) writes: From line, envelope headers, >From quoting,
// maildir form and names (compat/delivery.md §2, §3).
#include <catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "libmail/local_copy.h"
#include "libmail/local_maildir_name.h"

namespace {

std::time_t utc(int year, int mon, int day, int h, int m, int s) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return ::timegm(&tm);
}

struct UtcZone {
  UtcZone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

const std::vector<std::string> kLines = {
    "Subject: test two", "From: Sender <sender@example.org>", "", "Hello body line 1",
    "From the beginning of a line", ">From already quoted", ".dot line"};

}  // namespace

TEST_CASE("the mbox From line has two spaces and an asctime date with a padded day",
          "[local]") {
  UtcZone zone;
  CHECK(mail::mbox_from_line("sender@example.org", utc(2026, 11, 23, 9, 28, 22)) ==
        "From sender@example.org  Mon Nov 23 09:28:22 2026\n");
  CHECK(mail::mbox_from_line("", utc(2026, 11, 5, 9, 57, 41)) ==
        "From MAILER-DAEMON  Thu Nov  5 09:57:41 2026\n");
}

TEST_CASE("an mbox copy has Postfix's header order, >From quoting and a blank line at the end",
          "[local]") {
  UtcZone zone;
  mail::MailCopyEnvelope env;
  env.sender = "sender@example.org";
  env.orig_rcpt = "cmpuser@example.test";
  env.delivered = "cmpuser@example.test";
  env.when = utc(2026, 11, 23, 9, 28, 22);
  std::string copy = mail::format_mail_copy(env, mail::mbox_copy_flags(), kLines);
  CHECK(copy ==
        "From sender@example.org  Mon Nov 23 09:28:22 2026\n"
        "Return-Path: <sender@example.org>\n"
        "X-Original-To: cmpuser@example.test\n"
        "Delivered-To: cmpuser@example.test\n"
        "Subject: test two\n"
        "From: Sender <sender@example.org>\n"
        "\n"
        "Hello body line 1\n"
        ">From the beginning of a line\n"
        ">From already quoted\n"
        ".dot line\n"
        "\n");
}

TEST_CASE("a maildir copy has no From line, no quoting and no trailing blank line", "[local]") {
  mail::MailCopyEnvelope env;
  env.sender = "";
  env.orig_rcpt = "root";
  env.delivered = "root@mx.example.test";
  std::string copy = mail::format_mail_copy(env, mail::maildir_copy_flags(), kLines);
  CHECK(copy.rfind("Return-Path: <>\nX-Original-To: root\nDelivered-To: root@mx.example.test\n"
                   "Subject: test two\n",
                   0) == 0);
  CHECK(copy.find("\nFrom the beginning of a line\n") != std::string::npos);
  CHECK(copy.ends_with(".dot line\n"));
  CHECK_FALSE(copy.ends_with("\n\n"));
}

TEST_CASE("a Delivered-To header for the recipient is found only in the headers", "[local]") {
  std::vector<std::string> lines = {"Received: by x", "delivered-to:  Joe@Example.TEST", "",
                                    "Delivered-To: other@example.test"};
  CHECK(mail::has_delivered_to(lines, "joe@example.test"));
  CHECK_FALSE(mail::has_delivered_to(lines, "other@example.test"));
  CHECK_FALSE(mail::has_delivered_to(lines, "joe@example.org"));
}

TEST_CASE("maildir names carry seconds, device and inode in hex, microseconds and the host",
          "[local]") {
  CHECK(mail::maildir_new_name(1795426080, 0xfe00, 0xa740a8, 716885, "vm") ==
        "1795426080.Vfe00Ia740a8M716885.vm");
  CHECK(mail::maildir_tmp_name(1795426080, 4242, "vm") == "1795426080.P4242.vm");
  CHECK(mail::maildir_escape_host("a/b:c") == "a\\057b\\072c");
  CHECK_FALSE(mail::maildir_host_name().empty());
}
