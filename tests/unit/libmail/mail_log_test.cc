#include "libmail/mail_log.h"

#include <catch.hpp>
#include <cstdlib>
#include <ctime>

namespace {

std::time_t local_time(int year, int mon, int day, int h, int m, int s) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

}  // namespace

TEST_CASE("log lines have Postfix's timestamp, short host, tag and pid", "[log]") {
  auto when = local_time(2026, 11, 23, 9, 28, 0);
  CHECK(mail::format_log_line(when, "mx", "postfix/smtpd", 7849, "connect from unknown[127.0.0.1]") ==
        "Nov 23 09:28:00 mx postfix/smtpd[7849]: connect from unknown[127.0.0.1]");
}

TEST_CASE("log line days are zero-padded, unlike classic syslog", "[log]") {
  auto when = local_time(2026, 3, 5, 7, 8, 11);
  CHECK(mail::format_log_line(when, "mx", "postfix/qmgr", 1, "x") == "Mar 05 07:08:11 mx postfix/qmgr[1]: x");
}

TEST_CASE("8-bit and control bytes in log text become question marks", "[log]") {
  auto line = mail::format_log_line(0, "h", "t", 2, "h\xc3\xa9\tx\x01y");
  CHECK(line.substr(line.find("]: ") + 3) == "h???x?y");
}

TEST_CASE("the log host is myhostname up to the first dot", "[log]") {
  CHECK(mail::short_hostname("mx.example.test") == "mx");
  CHECK(mail::short_hostname("localhost") == "localhost");
}

TEST_CASE("the log tag is syslog_name slash process name", "[log]") {
  CHECK(mail::log_tag("postfix", "smtpd") == "postfix/smtpd");
  CHECK(mail::log_tag("postfix/lim", "smtpd") == "postfix/lim/smtpd");
  CHECK(mail::log_tag("mytag", "") == "mytag");
}

TEST_CASE("maillog_file must start with one of maillog_file_prefixes", "[log]") {
  CHECK(mail::maillog_file_allowed("/var/log/mail.log", "/var, /dev/stdout"));
  CHECK(mail::maillog_file_allowed("/dev/stdout", "/var, /dev/stdout"));
  CHECK_FALSE(mail::maillog_file_allowed("/tmp/mail.log", "/var, /dev/stdout"));
}
