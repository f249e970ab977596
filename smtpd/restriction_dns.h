// DNS for the restriction engine, through the C library's resolver
// (res_query): does a host or mail domain exist (reject_unknown_*), and is
// an address or name listed in a DNS block list (reject_rbl_client,
// reject_rhsbl_*). User: restriction_checks.cc.
// Easy to get wrong: only a definite "no such name / no data" may reject;
// a server failure or timeout must defer (or be ignored for block lists:
// an unreachable list never blocks mail); a "0 ." MX record is a null MX
// (the domain takes no mail); block-list queries reverse IPv4 octets and
// IPv6 nibbles, and "domain=127.0.0.2" matches only that answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpd {

enum class DnsStatus { kOk, kNotFound, kRetry, kNullMx };

// reject_unknown_helo_hostname: any A, AAAA or MX record.
DnsStatus dns_host_exists(std::string_view name);
// reject_unknown_{sender,recipient}_domain: MX (null MX noticed), then A/AAAA.
DnsStatus dns_mail_domain_exists(std::string_view domain);

// "4.3.2.1.zen.example" for 1.2.3.4 (IPv6: 32 reversed nibbles); nullopt for
// something that is not an address.
std::optional<std::string> rbl_query_name(std::string_view client_addr,
                                          std::string_view rbl_domain);

struct RblAnswer {
  bool listed = false;
  std::vector<std::string> addresses;  // A records of the listing
  std::string txt;                     // TXT records joined by " / ", at most 500 bytes
};
// Look up `query` (A, then TXT when listed). `want` (from "domain=127.0.0.2")
// restricts which answers count. DNS errors are logged and mean not listed.
RblAnswer rbl_lookup(const std::string& query, std::string_view want);

}  // namespace smtpd
