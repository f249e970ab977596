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

#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpd {

enum class DnsStatus { kOk, kNotFound, kRetry, kNullMx };

// One query's answer: addresses (A/AAAA), host names (MX, NS, PTR), TXT
// strings; for MX also the preferences. `error` is what the resolver said
// when nothing was found (Postfix's dns_strerror words: "Host not found",
// "Host not found, try again", ...).
struct DnsAnswer {
  DnsStatus status = DnsStatus::kNotFound;
  std::vector<std::string> data;
  std::vector<int> preferences;  // MX only, parallel to data
  bool null_mx = false;
  std::string error;
};
// res_query for `type` (ns_t_a, ns_t_mx, ...); a null MX is reported with
// status kNullMx.
DnsAnswer dns_query(std::string_view name, int type);

// reject_unknown_helo_hostname: any A, AAAA or MX record.
DnsStatus dns_host_exists(std::string_view name);
// reject_unknown_{sender,recipient}_domain: MX (null MX noticed), then A/AAAA.
DnsStatus dns_mail_domain_exists(std::string_view domain);

// "4.3.2.1.zen.example" for 1.2.3.4 (IPv6: 32 reversed nibbles); nullopt for
// something that is not an address.
std::optional<std::string> rbl_query_name(std::string_view client_addr,
                                          std::string_view rbl_domain);

// "name.rhsbl.example" for the domain of `what` (an address or a host
// name); nullopt for address literals, names ending in a number and
// malformed names, which Postfix never looks up.
std::optional<std::string> rhsbl_query_name(std::string_view what, std::string_view rbl_domain);

struct RblAnswer {
  bool listed = false;
  bool soft = false;                   // the lookup failed for now (logged); never listed then
  std::vector<std::string> addresses;  // A records of the listing
  std::string txt;                     // TXT records joined by " / ", at most 500 bytes
};
// What a block or allow list says about one query name: its A records and
// TXT text (joined by " / ", at most 500 bytes), or that it could not be
// asked now (`soft`, logged as Postfix's "RBL lookup error" warning).
struct RblRecord {
  bool soft = false;
  bool found = false;
  std::vector<std::string> addresses;
  std::string txt;
};
RblRecord rbl_fetch(const std::string& query);
// Does the record list the client? `want` is the "=..." of "list=127.0.0.2":
// Postfix's byte patterns ("127.0.0.[2;4]", "127.0.0.[2..11]"), and here
// also several separated by commas.
bool rbl_matches(const RblRecord& record, std::string_view want);

// Postfix keeps the answers of the last 100 list queries for the life of
// the smtpd process: a list asked twice is looked up (and its failure
// logged) once. One per restriction engine.
class RblCache {
 public:
  const RblRecord& lookup(const std::string& query);

 private:
  static constexpr std::size_t kLimit = 100;
  std::list<std::string> order_;  // most recent first
  std::map<std::string, std::pair<RblRecord, std::list<std::string>::iterator>> entries_;
};

// Look up `query` (A, then TXT when listed), without the cache. `want` (from "domain=127.0.0.2")
// restricts which answers count. DNS errors are logged and mean not listed.
RblAnswer rbl_lookup(const std::string& query, std::string_view want);

}  // namespace smtpd
