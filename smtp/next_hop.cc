#include "smtp/next_hop.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <charconv>
#include <random>

#include "libmail/own_addresses.h"
#include "libutil/strings.h"

namespace smtp {
namespace {

std::string strip_trailing_dot(std::string host) {
  while (host.size() > 1 && host.back() == '.') host.pop_back();
  return host;
}

std::string not_found_text(const std::string& name, const char* type, DnsStatus status) {
  return "Host or domain name not found. Name service error for name=" + name + " type=" + type +
         (status == DnsStatus::kTryAgain ? ": Host not found, try again" : ": Host not found");
}

LookupFailure failure(const std::string& name, const char* type, DnsStatus status) {
  bool soft = status == DnsStatus::kTryAgain;
  return LookupFailure{soft, soft ? "4.4.3" : "5.4.4", not_found_text(name, type, status)};
}

MxAnswer query_mx(const std::string& domain) {
  MxAnswer out;
  unsigned char answer[NS_MAXMSG];
  int len = ::res_query(domain.c_str(), ns_c_in, ns_t_mx, answer, sizeof answer);
  if (len < 0) {
    switch (h_errno) {
      case HOST_NOT_FOUND:
        out.status = DnsStatus::kNotFound;
        break;
      case NO_DATA:
        out.status = DnsStatus::kNoData;
        break;
      default:
        out.status = DnsStatus::kTryAgain;
        break;
    }
    return out;
  }
  ns_msg msg;
  if (ns_initparse(answer, len, &msg) < 0) {
    out.status = DnsStatus::kTryAgain;
    return out;
  }
  int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) continue;
    if (ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3) continue;
    const unsigned char* rdata = ns_rr_rdata(rr);
    MxRecord mx;
    mx.preference = ns_get16(rdata);
    char name[NS_MAXDNAME];
    if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rdata + 2, name, sizeof name) < 0)
      continue;
    mx.host = strip_trailing_dot(name);
    if (mx.preference == 0 && (mx.host.empty() || mx.host == ".")) {
      out.status = DnsStatus::kNullMx;
      out.records.clear();
      return out;
    }
    out.records.push_back(std::move(mx));
  }
  if (out.records.empty()) out.status = DnsStatus::kNoData;
  return out;
}

AddrAnswer query_addresses(const std::string& host) {
  AddrAnswer out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    out.status = rc == EAI_AGAIN || rc == EAI_SYSTEM || rc == EAI_FAIL ? DnsStatus::kTryAgain
                                                                       : DnsStatus::kNotFound;
    return out;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[NI_MAXHOST];
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) != 0)
      continue;
    std::pair<int, std::string> entry{a->ai_family, buf};
    if (std::find(out.addresses.begin(), out.addresses.end(), entry) == out.addresses.end())
      out.addresses.push_back(std::move(entry));
  }
  ::freeaddrinfo(res);
  if (out.addresses.empty()) out.status = DnsStatus::kNoData;
  return out;
}

}  // namespace

ResolverHooks system_resolver() { return ResolverHooks{query_mx, query_addresses}; }

std::optional<int> resolve_port(const std::string& port, const Settings& settings) {
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec == std::errc() && end == port.data() + port.size())
    return value > 0 && value < 65536 ? std::optional<int>(value) : std::nullopt;
  if (servent* se = ::getservbyname(port.c_str(), "tcp")) return ntohs(se->s_port);
  // No /etc/services inside a chroot without a copy: the common names.
  if (port == "smtp") return 25;
  if (port == "lmtp") return 24;
  if (port == "submission") return 587;
  if (port == "submissions" || port == "smtps") return 465;
  (void)settings;
  return std::nullopt;
}

util::Result<Destination> parse_next_hop(std::string_view nexthop, const Settings& settings) {
  Destination d;
  d.text = std::string(nexthop);
  std::string_view rest = nexthop;
  if (rest.starts_with("unix:")) {
    d.unix_socket = true;
    d.path = std::string(rest.substr(5));
    if (d.path.empty()) return util::fail("bad next-hop specification: " + d.text);
    return d;
  }
  if (rest.starts_with("inet:")) rest.remove_prefix(5);
  if (rest.empty()) return util::fail("bad next-hop specification: " + d.text);
  std::string_view host_part = rest, port_part;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return util::fail("bad next-hop specification: " + d.text);
    host_part = rest.substr(1, close - 1);
    d.no_mx = true;
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return util::fail("bad next-hop specification: " + d.text);
      port_part = after.substr(1);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host_part = rest.substr(0, colon);
    port_part = rest.substr(colon + 1);
  }
  if (host_part.empty()) return util::fail("bad next-hop specification: " + d.text);
  d.host = std::string(host_part);
  if (d.host.starts_with("ipv6:") || d.host.starts_with("IPv6:")) d.host = d.host.substr(5);
  d.port = port_part.empty() ? settings.default_port : std::string(port_part);
  // An LMTP next hop names a host, never a mail domain: no MX lookup.
  if (settings.protocol == Protocol::kLmtp) d.no_mx = true;
  // A numeric address never has MX records.
  unsigned char buf[16];
  if (::inet_pton(AF_INET, d.host.c_str(), buf) == 1 ||
      ::inet_pton(AF_INET6, d.host.c_str(), buf) == 1)
    d.no_mx = true;
  return d;
}

Lookup lookup_destination(const Destination& dest, const Settings& settings,
                          const ResolverHooks& resolver) {
  Lookup out;
  auto port = resolve_port(dest.port, settings);
  if (!port) {
    out.failure = LookupFailure{false, "5.4.4", "unknown service: " + dest.port + "/tcp"};
    return out;
  }
  const size_t limit = settings.mx_address_limit > 0
                           ? static_cast<size_t>(settings.mx_address_limit)
                           : static_cast<size_t>(-1);
  auto add_host = [&](const std::string& host, int preference) -> std::optional<LookupFailure> {
    AddrAnswer a = resolver.addresses(host);
    if (a.status != DnsStatus::kOk)
      return failure(host, "A", a.status == DnsStatus::kNoData ? DnsStatus::kNotFound : a.status);
    for (auto& [family, address] : a.addresses) {
      if (out.targets.size() >= limit) break;
      out.targets.push_back(Target{host, address, family, *port, preference});
    }
    return std::nullopt;
  };

  if (dest.no_mx || !settings.dns_lookups) {
    if (auto f = add_host(dest.host, 0)) out.failure = std::move(f);
    return out;
  }
  MxAnswer mx = resolver.mx(dest.host);
  if (mx.status == DnsStatus::kNoData) {
    if (auto f = add_host(dest.host, 0)) out.failure = std::move(f);
    return out;
  }
  if (mx.status == DnsStatus::kNullMx) {
    out.failure =
        LookupFailure{false, "5.1.0", "Domain " + dest.host + " does not accept mail (nullMX)"};
    return out;
  }
  if (mx.status != DnsStatus::kOk) {
    out.failure = failure(dest.host, "MX", mx.status);
    return out;
  }
  // Preference order; hosts of equal preference in random order.
  std::mt19937 rng(std::random_device{}());
  std::shuffle(mx.records.begin(), mx.records.end(), rng);
  std::stable_sort(mx.records.begin(), mx.records.end(), [](const MxRecord& a, const MxRecord& b) {
    return a.preference < b.preference;
  });
  std::optional<LookupFailure> last;
  for (const auto& r : mx.records) {
    if (out.targets.size() >= limit) break;
    if (auto f = add_host(r.host, r.preference)) {
      // One soft failure makes the whole lookup soft when nothing is found.
      if (!last || f->soft) last = std::move(f);
    }
  }
  // An MX host that is this machine: only better MX hosts may take the mail
  // (we are a backup); when none is left the mail would loop back to us.
  auto self = std::find_if(out.targets.begin(), out.targets.end(), [&](const Target& t) {
    const auto& own = settings.own_addresses;
    return std::find(own.begin(), own.end(), mail::normalize_ip(t.address)) != own.end();
  });
  if (self != out.targets.end()) {
    const int self_preference = self->preference;
    const int best_found = out.targets.front().preference;
    std::erase_if(out.targets, [&](const Target& t) { return t.preference >= self_preference; });
    if (out.targets.empty()) {
      // A better MX without an address: perhaps later (Postfix's 4.4.4).
      if (mx.records.front().preference < best_found)
        out.failure = LookupFailure{true, "4.4.4", "unable to find primary relay for " + dest.host};
      else
        out.failure =
            LookupFailure{false, "5.4.6", "mail for " + dest.host + " loops back to myself"};
      return out;
    }
  }
  if (out.targets.empty()) {
    out.failure =
        last ? std::move(last)
             : LookupFailure{true, "4.4.3",
                             "no MX host for " + dest.host + " has a valid address record"};
  }
  return out;
}

}  // namespace smtp
