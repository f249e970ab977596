// The IP addresses this host receives mail on: inet_interfaces ("all":
// every interface address, "loopback-only": 127.0.0.1 and ::1) plus
// proxy_interfaces. Users: the resolver ("user@[1.2.3.4]" is local when
// 1.2.3.4 is one of these), later smtpd (permit_inet_interfaces).
// Easy to get wrong: compare normalised text (inet_ntop of inet_pton), so
// "[IPv6:0::1]" and "::1" are the same address; a host name in the list
// stands for all of its addresses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"

namespace mail {

// Normalised addresses ("127.0.0.1", "::1"); names that do not resolve are
// skipped with a warning, as Postfix would not listen on them either.
std::vector<std::string> own_addresses(const conf::Config& config);

// inet_ntop(inet_pton(text)), or "" when `text` is not an IPv4/IPv6 address.
std::string normalize_ip(std::string_view text);

}  // namespace mail
