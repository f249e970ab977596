// Host name and address syntax as Postfix's smtpd judges it for
// reject_invalid_helo_hostname, reject_non_fqdn_* and address literals.
// User: restriction_checks.cc. Pure functions.
// Easy to get wrong: a name made only of digits and dots is not a valid
// host name (it is an address, or garbage); labels may hold '_' (Postfix
// tolerates it) but not start or end with '-'; one trailing dot is
// dropped before the test, "name.." is not.
#pragma once

#include <string>
#include <string_view>

namespace smtpd {

bool valid_hostname(std::string_view name);
// Dotted-quad IPv4 or IPv6 text (no brackets, no "IPv6:" prefix).
bool valid_hostaddr(std::string_view addr);
// An address literal's inside: "1.2.3.4" or "IPv6:2001:db8::1".
bool valid_mailhost_addr(std::string_view addr);
// "name." -> "name" (but not "name..").
std::string drop_trailing_dot(std::string_view name);

}  // namespace smtpd
