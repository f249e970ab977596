// smtpd::SessionCounters: per-command success/total counts for the
// "disconnect from CLIENT ehlo=1 mail=1 ... commands=N" log line.
// User: the protocol engine. Easy to get wrong: names appear in Postfix's
// command-table order (not first-use order), "name=N" when all succeeded,
// "name=OK/TOTAL" otherwise; a 452 "too many recipients" counts as a success.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace smtpd {

class SessionCounters {
 public:
  // `name`: "HELO", "EHLO", ..., or anything else for "unknown".
  void count(std::string_view name, bool ok);
  // " ehlo=1 mail=1 quit=1 commands=3" (leading space), as appended to the
  // disconnect line.
  std::string summary() const;

 private:
  static constexpr std::array<const char*, 16> kNames = {
      "helo", "ehlo", "xclient", "xforward", "starttls", "auth", "mail", "rcpt",
      "data", "bdat", "rset",    "noop",     "vrfy",     "etrn", "quit", "unknown"};
  std::array<int, kNames.size()> ok_{};
  std::array<int, kNames.size()> total_{};
};

}  // namespace smtpd
