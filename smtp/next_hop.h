// Where a delivery request goes: the next hop qmgr sends ("example.com",
// "[10.0.0.1]:587", "inet:host:24", "unix:/path") parsed into a destination,
// then resolved to an ordered list of addresses to try: MX records by
// preference (res_query), each MX host's A/AAAA (getaddrinfo), "[host]"
// without MX, smtp_host_lookup / disable_dns_lookups, the address limit.
// Users: smtp_service.cc. Unit tests: tests/unit/smtp/next_hop_test.cc.
// Easy to get wrong: a domain WITHOUT MX records is not an error (its own
// A/AAAA are used), a lookup that may succeed later must defer (4.4.3) and
// not bounce, and equal-preference MX hosts are tried in random order.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"
#include "smtp/smtp_settings.h"

namespace smtp {

struct Destination {
  std::string host;    // domain or host name, or a numeric address; "" for unix
  std::string port;    // numeric or a service name ("smtp")
  bool no_mx = false;  // written as [host]
  bool unix_socket = false;
  std::string path;  // unix:/path (lmtp)
  // The next hop as given, for messages and the connection cache key.
  std::string text;
};

// Errors are texts for the defer log ("bad next-hop ...").
util::Result<Destination> parse_next_hop(std::string_view nexthop, const Settings& settings);

// One address to connect to.
struct Target {
  std::string hostname;  // MX host or the destination host
  std::string address;   // numeric
  int family = AF_INET;
  int port = 25;
  int preference = 0;
};

// A lookup failure as the client reports it.
struct LookupFailure {
  bool soft = true;  // try again later (4.4.3) or never (5.4.4)
  std::string dsn;
  std::string text;  // "Host or domain name not found. Name service error for ..."
};

struct Lookup {
  std::vector<Target> targets;
  std::optional<LookupFailure> failure;  // set when targets is empty
};

// The resolver functions, replaceable in tests.
struct MxRecord {
  int preference = 0;
  std::string host;
};
// kNullMx: the domain says it takes no mail ("MX 0 .", RFC 7505).
enum class DnsStatus { kOk, kNoData, kNotFound, kTryAgain, kNullMx };
struct MxAnswer {
  DnsStatus status = DnsStatus::kOk;
  std::vector<MxRecord> records;
};
struct AddrAnswer {
  DnsStatus status = DnsStatus::kOk;
  std::vector<std::pair<int, std::string>> addresses;  // family, numeric
};
struct ResolverHooks {
  std::function<MxAnswer(const std::string& domain)> mx;
  std::function<AddrAnswer(const std::string& host)> addresses;
};
ResolverHooks system_resolver();

// A service name or number to a port; nullopt when unknown.
std::optional<int> resolve_port(const std::string& port, const Settings& settings);

Lookup lookup_destination(const Destination& dest, const Settings& settings,
                          const ResolverHooks& resolver);

}  // namespace smtp
