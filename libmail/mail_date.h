// mail::mail_date: the RFC 2822 date Postfix writes into the headers it
// adds (pickup's and smtpd's Received:, cleanup's Date:, bounce notices):
// "Mon, 23 Nov 2026 09:29:31 +0000 (UTC)", in local time.
// Easy to get wrong: the day of the month is SPACE-padded ("Tue,  5 Mar"),
// as Postfix's own headers show; the zone comment is the local zone's
// abbreviation; and a daemon in a chroot needs etc/localtime there (or TZ)
// to get anything but UTC.
#pragma once

#include <ctime>
#include <string>

namespace mail {

std::string mail_date(std::time_t when);

// The short local time anvil and scache print in their statistics lines
// ("Dec  6 05:29:42", syslog's form).
std::string stats_time(std::time_t when);

}  // namespace mail
