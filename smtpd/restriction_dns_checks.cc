// Restrictions that look further into the DNS than "does it exist"
// (restriction_engine.h): access by the name servers, mail exchangers or
// addresses of a name (check_*_{ns,mx,a}_access), DNS allow lists
// (permit_dnswl_client, permit_rhswl_client) and permit_mx_backup.
#include <arpa/nameser.h>
#include <netdb.h>
#include <strings.h>

#include <algorithm>
#include <array>

#include "libmail/own_addresses.h"
#include "libutil/log.h"
#include "smtpd/restriction_dns.h"
#include "smtpd/restriction_engine.h"
#include "smtpd/restriction_hostname.h"
#include "smtpd/restriction_reply.h"

namespace smtpd {
namespace {

bool is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const char* type_name(int type) {
  switch (type) {
    case ns_t_mx:
      return "MX";
    case ns_t_ns:
      return "NS";
    default:
      return "A";
  }
}

constexpr int kFinalClasses =
    mail::kResolveClassLocal | mail::kResolveClassAlias | mail::kResolveClassVirtual;

// Numeric addresses of `host`, or the getaddrinfo error.
struct HostAddresses {
  int error = 0;
  std::vector<std::string> addresses;
};

HostAddresses host_addresses(const std::string& host) {
  HostAddresses out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  out.error = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (out.error != 0) return out;
  for (addrinfo* p = res; p; p = p->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(p->ai_addr, p->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) ==
        0)
      out.addresses.push_back(mail::normalize_ip(text));
  }
  ::freeaddrinfo(res);
  return out;
}

}  // namespace

// --- check_*_{ns,mx,a}_access ------------------------------------------

std::optional<RestrictionEngine::ServerCheck> RestrictionEngine::server_check(
    std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, ServerSubject>, 5> kSubjects = {{
      {"check_client_", ServerSubject::kClient},
      {"check_reverse_client_hostname_", ServerSubject::kReverseClient},
      {"check_helo_", ServerSubject::kHelo},
      {"check_sender_", ServerSubject::kSender},
      {"check_recipient_", ServerSubject::kRecipient},
  }};
  static constexpr std::array<std::pair<std::string_view, int>, 3> kTypes = {{
      {"ns_access", ns_t_ns},
      {"mx_access", ns_t_mx},
      {"a_access", ns_t_a},
  }};
  for (auto [prefix, subject] : kSubjects) {
    if (name.size() <= prefix.size() || !is(name.substr(0, prefix.size()), prefix)) continue;
    for (auto [suffix, type] : kTypes)
      if (is(name.substr(prefix.size()), suffix)) return ServerCheck{type, subject};
  }
  return std::nullopt;
}

CheckStatus RestrictionEngine::check_server_access_command(CheckContext& c,
                                                           const std::string& command,
                                                           ServerCheck check,
                                                           const std::string& table_name,
                                                           std::string_view def_acl) {
  const Session& s = c.session;
  std::string name, reply_name;
  std::string_view reply_class;
  switch (check.subject) {
    case ServerSubject::kClient:
      if (is(s.client.name, "unknown")) return CheckStatus::kDunno;
      name = s.client.name;
      reply_name = s.client.namaddr();
      reply_class = kClassClient;
      break;
    case ServerSubject::kReverseClient:
      if (is(s.client.reverse_name, "unknown")) return CheckStatus::kDunno;
      name = reply_name = s.client.reverse_name;
      reply_class = kClassReverseClient;
      break;
    case ServerSubject::kHelo:
      if (!s.helo_name) return CheckStatus::kDunno;
      name = reply_name = *s.helo_name;
      reply_class = kClassHelo;
      break;
    case ServerSubject::kSender:
      if (!s.sender || s.sender->empty()) return CheckStatus::kDunno;
      name = reply_name = *s.sender;
      reply_class = kClassSender;
      break;
    case ServerSubject::kRecipient:
      if (!c.recipient || c.recipient->empty()) return CheckStatus::kDunno;
      name = reply_name = *c.recipient;
      reply_class = kClassRecipient;
      break;
  }
  CheckStatus st =
      check_server_access(c, table_name, name, check.type, reply_name, reply_class, def_acl);
  // A name's servers are the client's to choose: never a reason to accept.
  if (!s.discard && st == CheckStatus::kOk) {
    const std::string& target = check.subject == ServerSubject::kClient ? s.client.name : name;
    util::msg_warn("restriction " + command + " returns OK for " + target);
    util::msg_warn("this is not allowed for security reasons");
    util::msg_warn("use DUNNO instead of OK if you want to make an exception");
    return server_error(c);
  }
  return st;
}

CheckStatus RestrictionEngine::check_server_access(CheckContext& c, const std::string& table_name,
                                                   const std::string& name, int type,
                                                   const std::string& reply_name,
                                                   std::string_view reply_class,
                                                   std::string_view def_acl) {
  util::Dict* dict = table(table_name);
  if (!dict) {
    util::msg_warn("check_server_access: unexpected dictionary: " + table_name);
    return server_error(c);
  }
  bool found = false;
  auto by_address = [&](const std::string& addr) {
    return access_answer(c, table_name, mail::access_lookup_client_address(*dict, addr), addr,
                         reply_name, reply_class, def_acl, found);
  };
  auto at = name.rfind('@');
  std::string domain = at == std::string::npos ? name : name.substr(at + 1);

  // An address literal is its own mail exchanger; it has no name server.
  if (!domain.empty() && domain.front() == '[') {
    if (type == ns_t_ns || domain.size() < 2 || domain.back() != ']') return CheckStatus::kDunno;
    std::string bare = domain.substr(1, domain.size() - 2);
    if (!valid_mailhost_addr(bare)) return CheckStatus::kDunno;
    if (bare.size() > 5 && is(bare.substr(0, 5), "IPv6:")) bare.erase(0, 5);
    return by_address(bare);
  }

  std::vector<std::string> servers;
  if (type == ns_t_a) {
    servers.push_back(domain);
  } else {
    DnsAnswer answer = dns_query(domain, type);
    if (answer.status == DnsStatus::kNullMx) return CheckStatus::kDunno;
    // Work around servers that say NXDOMAIN where they mean "no data", as
    // Postfix does: a name without MX is its own mail exchanger, a name
    // without NS has its parent's.
    std::optional<std::string> looked_up = domain;
    if (answer.status == DnsStatus::kNotFound && type == ns_t_mx) {
      answer.status = DnsStatus::kOk;
      answer.data = {domain};
    } else if (answer.status == DnsStatus::kNotFound && type == ns_t_ns) {
      std::string parent = domain;
      for (;;) {
        auto dot = parent.find('.');
        if (dot == std::string::npos || dot + 1 >= parent.size()) {
          looked_up.reset();
          break;
        }
        parent = parent.substr(dot + 1);
        looked_up = parent;
        answer = dns_query(parent, type);
        if (answer.status != DnsStatus::kNotFound) break;
      }
    }
    if (answer.status != DnsStatus::kOk) {
      util::msg_warn(std::string("Unable to look up ") + type_name(type) + " host for " +
                     (looked_up ? *looked_up : name) + ": " + answer.error);
      return CheckStatus::kDunno;
    }
    servers = std::move(answer.data);
  }

  // The host names first, then their addresses.
  for (const auto& server : servers) {
    if (valid_hostaddr(server)) {
      CheckStatus st = by_address(server);
      if (st != CheckStatus::kDunno || found) return st;
      continue;
    }
    if (type != ns_t_a) {
      CheckStatus st =
          access_answer(c, table_name, mail::access_lookup_domain(*dict, server, access_options_),
                        server, reply_name, reply_class, def_acl, found);
      if (st != CheckStatus::kDunno || found) return st;
    }
    HostAddresses addresses = host_addresses(server);
    if (addresses.error != 0) {
      if (type != ns_t_a)
        util::msg_warn(std::string("Unable to look up ") + type_name(type) + " host " + server +
                       " for " + std::string(reply_class) + " " + reply_name + ": " +
                       ::gai_strerror(addresses.error));
      continue;
    }
    for (const auto& addr : addresses.addresses) {
      CheckStatus st = by_address(addr);
      if (st != CheckStatus::kDunno || found) return st;
    }
  }
  return CheckStatus::kDunno;
}

// --- DNS allow lists ---------------------------------------------------

CheckStatus RestrictionEngine::permit_dnswl(CheckContext& c, const std::string& dnswl,
                                            const std::string& what, bool by_name,
                                            std::string_view reply_class) {
  // An allow list must not open a relay: only mail for our destinations.
  if (c.where == "RCPT" && c.recipient &&
      permit_auth_destination(c, *c.recipient) != CheckStatus::kOk)
    return CheckStatus::kDunno;
  std::string domain = dnswl, want;
  if (auto eq = domain.find('='); eq != std::string::npos) {
    want = domain.substr(eq + 1);
    domain.resize(eq);
  }
  auto query = by_name ? rhsbl_query_name(what, domain) : rbl_query_name(what, domain);
  if (!query) return CheckStatus::kDunno;
  const RblRecord& answer = rbl_cache_.lookup(*query);
  if (answer.soft) {
    // An allow list that cannot answer now turns a later reject into 450.
    defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.7.1",
             "<" + what + ">: " + std::string(reply_class) + " rejected: Service unavailable");
    return CheckStatus::kDunno;
  }
  return rbl_matches(answer, want) ? CheckStatus::kOk : CheckStatus::kDunno;
}

// --- permit_mx_backup --------------------------------------------------

bool RestrictionEngine::has_my_addr(CheckContext& c, const std::string& host,
                                    const std::string& reply_name) {
  HostAddresses addresses = host_addresses(host);
  if (addresses.error != 0) {
    defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.4.4",
             "<" + reply_name + ">: " + std::string(kClassRecipient) +
                 " rejected: Unable to look up mail exchanger host " + host + ": " +
                 ::gai_strerror(addresses.error));
    return false;
  }
  for (const auto& addr : addresses.addresses)
    if (std::find(own_addresses_.begin(), own_addresses_.end(), addr) != own_addresses_.end())
      return true;
  return false;
}

bool RestrictionEngine::i_am_mx(CheckContext& c, const std::vector<std::string>& hosts,
                                const std::string& reply_name) {
  // Names first (mydestination, [our address]); addresses only when no
  // name matched.
  for (const auto& host : hosts)
    if (resolver_.is_local_domain(host)) return true;
  for (const auto& host : hosts)
    if (has_my_addr(c, host, reply_name)) return true;
  return false;
}

bool RestrictionEngine::all_auth_mx_addr(CheckContext& c, const std::string& host,
                                         const std::string& reply_name) {
  const std::string prefix =
      "<" + reply_name + ">: " + std::string(kClassRecipient) + " rejected: ";
  std::vector<std::string> addresses;
  std::string error;
  for (int type : {ns_t_a, ns_t_aaaa}) {
    DnsAnswer a = dns_query(host, type);
    addresses.insert(addresses.end(), a.data.begin(), a.data.end());
    if (error.empty() || a.status == DnsStatus::kRetry) error = a.error;
  }
  if (addresses.empty()) {
    defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.4.4",
             prefix + "Unable to look up host " + host + " as mail exchanger: " + error);
    return false;
  }
  for (const auto& addr : addresses) {
    util::Result<bool> match = perm_mx_networks_
                                   ? perm_mx_networks_->match_host(host, addr)
                                   : util::Result<bool>(util::fail(perm_mx_networks_error_));
    if (match && *match) continue;
    if (!match) {
      util::msg_warn("all_auth_mx_addr: permit_mx_backup_networks lookup error for address " +
                     addr + " for " + host);
      defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.4.4",
               prefix + "Unable to verify host " + host + " as mail exchanger");
    }
    return false;
  }
  return true;
}

CheckStatus RestrictionEngine::permit_mx_backup(CheckContext& c, const std::string& recipient) {
  mail::Resolved r = resolve(recipient);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, recipient);
  auto at = r.recipient.rfind('@');
  if (at == std::string::npos) return CheckStatus::kOk;
  std::string domain = r.recipient.substr(at + 1);
  if (r.flags & mail::kResolveFlagRouted) return CheckStatus::kDunno;
  if (r.flags & (kFinalClasses | mail::kResolveClassRelay)) return CheckStatus::kOk;
  if (!domain.empty() && domain.front() == '[' && domain.back() == ']') return CheckStatus::kDunno;

  DnsAnswer mx = dns_query(domain, ns_t_mx);
  if (mx.status != DnsStatus::kOk) {
    if (mx.status == DnsStatus::kRetry)
      defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.4.4",
               "<" + recipient + ">: " + std::string(kClassRecipient) +
                   " rejected: Unable to look up mail exchanger information: " + mx.error);
    return CheckStatus::kDunno;
  }
  // The best-preference hosts are the primaries, the rest backups.
  int best = *std::min_element(mx.preferences.begin(), mx.preferences.end());
  std::vector<std::string> primaries, backups;
  for (std::size_t i = 0; i < mx.data.size(); ++i)
    (mx.preferences[i] == best ? primaries : backups).push_back(mx.data[i]);
  if (i_am_mx(c, primaries, recipient)) return CheckStatus::kDunno;
  if (backups.empty() || !i_am_mx(c, backups, recipient)) return CheckStatus::kDunno;
  // With permit_mx_backup_networks, only for primaries in those networks.
  if (perm_mx_networks_ || !perm_mx_networks_error_.empty())
    for (const auto& primary : primaries)
      if (!all_auth_mx_addr(c, primary, recipient)) return CheckStatus::kDunno;
  return CheckStatus::kOk;
}

}  // namespace smtpd
