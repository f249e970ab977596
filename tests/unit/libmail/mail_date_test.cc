// mail_date against the Received: headers Postfix 3.7.11 wrote
// (delivery.md §1.2) and the space-padded day of its own headers.
#include "libmail/mail_date.h"

#include <stdlib.h>
#include <time.h>

#include <catch.hpp>
#include <string>

namespace {
// Run with a fixed zone, restoring the caller's afterwards.
struct ZoneGuard {
  explicit ZoneGuard(const char* tz) {
    if (const char* old = ::getenv("TZ")) saved = old, had = true;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ZoneGuard() {
    if (had) ::setenv("TZ", saved.c_str(), 1); else ::unsetenv("TZ");
    ::tzset();
  }
  std::string saved;
  bool had = false;
};
}  // namespace

TEST_CASE("mail_date writes the date as Postfix's Received header shows it", "[pickup]") {
  ZoneGuard utc("UTC");
  // 1795426171 is the T record of qf_sendmail_root_hold (09:29:31 UTC).
  CHECK(mail::mail_date(1795426171) == "Mon, 23 Nov 2026 09:29:31 +0000 (UTC)");
}

TEST_CASE("mail_date pads a one-digit day with a space and shows the zone offset", "[pickup]") {
  ZoneGuard cet("CET-1CEST,M3.5.0,M10.5.0/3");
  // 2019-03-05 09:11:12 UTC = 10:11:12 CET.
  CHECK(mail::mail_date(1551777072) == "Tue,  5 Mar 2019 10:11:12 +0100 (CET)");
  ZoneGuard west("EST5EDT,M3.2.0,M11.1.0");
  CHECK(mail::mail_date(1551777072) == "Tue,  5 Mar 2019 04:11:12 -0500 (EST)");
}
