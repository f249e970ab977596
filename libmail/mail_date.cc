#include "libmail/mail_date.h"

#include <cstdio>
#include <cstdlib>

namespace mail {

std::string mail_date(std::time_t when) {
  std::tm local{};
  ::localtime_r(&when, &local);
  char stamp[64];
  // %e, not %d: Postfix pads the day with a space.
  std::size_t n = std::strftime(stamp, sizeof stamp, "%a, %e %b %Y %H:%M:%S ", &local);
  long offset = local.tm_gmtoff / 60;  // minutes east of UTC
  char sign = offset < 0 ? '-' : '+';
  offset = std::labs(offset);
  char zone[32];
  std::strftime(zone, sizeof zone, "%Z", &local);
  char tail[64];
  std::snprintf(tail, sizeof tail, "%c%02ld%02ld (%s)", sign, offset / 60, offset % 60, zone);
  return std::string(stamp, n) + tail;
}

std::string stats_time(std::time_t when) {
  std::tm tm{};
  ::localtime_r(&when, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return std::string(buf, n);
}

}  // namespace mail
