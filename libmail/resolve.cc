// The Resolver of libmail/resolve.h: Postfix's trivial-rewrite rules as a
// library. Behaviour checked row by row against Postfix 3.7's own
// trivial-rewrite (tests/unit/libmail/resolve_test.cc records the answers).
#include "libmail/resolve.h"

#include <optional>
#include <vector>

#include "libmail/access_lookup.h"
#include "libmail/address_syntax.h"
#include "libmail/match_list.h"
#include "libmail/own_addresses.h"
#include "libutil/dict.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace mail {
namespace {

// A loop of "strip our domain, swap the bang path, apply the percent hack"
// shortens the address each time; the bound only guards against a bug.
constexpr int kMaxRouteSteps = 50;

struct TransportSpec {
  std::string transport;
  std::string nexthop;  // "" = use the class default
};

// "transport:nexthop" splits at the first ':' only, so an error text or
// "[host]:port" keeps its own colons.
TransportSpec split_transport(std::string_view value) {
  std::size_t colon = value.find(':');
  if (colon == std::string_view::npos) return {std::string(value), ""};
  return {std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

std::string get_or_warn(const conf::Config& config, std::string_view name) {
  auto value = config.try_get(name);
  if (!value) {
    util::msg_warn(value.error().message);
    return "";
  }
  return *value;
}

bool get_bool_or(const conf::Config& config, std::string_view name, bool fallback) {
  auto value = config.try_get_bool(name);
  if (!value) {
    util::msg_warn(value.error().message);
    return fallback;
  }
  return *value;
}

bool has_route_operator(std::string_view localpart, bool bang, bool percent) {
  return find_unquoted(localpart, '@') != std::string_view::npos ||
         (bang && find_unquoted(localpart, '!') != std::string_view::npos) ||
         (percent && find_unquoted(localpart, '%') != std::string_view::npos);
}

}  // namespace

struct Resolver::Impl {
  std::string myhostname, myorigin, mydomain;
  std::string local_transport, default_transport, relay_transport, virtual_transport;
  std::string relayhost, empty_address_recipient, remote_header_rewrite_domain;
  std::string recipient_delimiter;
  bool append_at_myorigin = true;
  bool append_dot_mydomain = false;
  bool swap_bangpath = true;
  bool allow_percent_hack = true;
  bool resolve_numeric_domain = false;
  bool show_user_unknown_table_name = true;
  bool transport_parent_bare = false;  // parent_domain_matches_subdomains names transport_maps

  // A list or table that could not be opened makes every lookup that needs
  // it fail (defer), as Postfix's surrogate tables do.
  struct List {
    std::optional<MatchList> list;
    std::string error;
  };
  List mydestination, virtual_alias_domains, virtual_mailbox_domains, relay_domains;
  std::vector<std::unique_ptr<util::Dict>> transport_maps;
  std::string transport_error;
  std::vector<std::string> own_addresses;

  void open_list(const conf::Config& config, List& out, std::string_view name,
                 const std::string& parent_matches) {
    auto value = config.try_get(name);
    if (!value) {
      out.error = value.error().message;
      util::msg_warn(out.error);
      return;
    }
    MatchListOptions options;
    options.list_name = std::string(name);
    options.parent_domain_matches_subdomains = parent_domain_matches(parent_matches, name);
    auto list = MatchList::parse(*value, options);
    if (!list) {
      out.error = std::string(name) + ": " + list.error().message;
      util::msg_warn(out.error);
      return;
    }
    out.list = std::move(*list);
  }

  static util::Result<bool> match(const List& list, std::string_view domain) {
    if (!list.error.empty()) return util::fail(list.error);
    return list.list->match_domain(domain);
  }

  util::Result<bool> is_local(std::string domain) const {
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (domain.empty()) return false;
    if (auto literal = address_literal(domain)) {
      std::string ip = normalize_ip(*literal);
      for (const std::string& own : own_addresses) {
        if (!ip.empty() && own == ip) return true;
      }
      return false;
    }
    return match(mydestination, util::lowercase(domain));
  }

  // transport_maps: the full address, the address without its extension,
  // the domain, its parent domains, then "*". Pattern tables see only the
  // full address. nullopt = no entry.
  util::Result<std::optional<std::string>> find_transport(const std::string& recipient,
                                                          const std::string& domain) const {
    if (!transport_error.empty()) return util::fail(transport_error);
    std::vector<std::string> keys;
    std::size_t at = find_domain_at(recipient);
    if (at != std::string::npos) {
      keys.push_back(recipient);
      if (auto bare = strip_address_extension(recipient.substr(0, at), recipient_delimiter)) {
        keys.push_back(*bare + recipient.substr(at));
      }
    }
    const std::size_t fixed_from = keys.empty() ? 0 : 1;
    std::string lower = util::lowercase(domain);
    keys.push_back(lower);
    for (std::size_t dot = lower.find('.'); dot != std::string::npos;
         dot = lower.find('.', dot + 1)) {
      if (dot + 1 >= lower.size()) break;
      keys.push_back(transport_parent_bare ? lower.substr(dot + 1) : lower.substr(dot));
    }
    keys.push_back("*");
    for (std::size_t k = 0; k < keys.size(); ++k) {
      for (const auto& table : transport_maps) {
        if (k >= fixed_from && table->is_pattern()) continue;
        auto found = table->lookup(keys[k]);
        if (!found) return std::unexpected(found.error());
        if (*found) return *found;
      }
    }
    return std::optional<std::string>();
  }
};

Resolver::Resolver(const conf::Config& config) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.myhostname = get_or_warn(config, "myhostname");
  d.myorigin = get_or_warn(config, "myorigin");
  d.mydomain = get_or_warn(config, "mydomain");
  d.local_transport = get_or_warn(config, "local_transport");
  d.default_transport = get_or_warn(config, "default_transport");
  d.relay_transport = get_or_warn(config, "relay_transport");
  d.virtual_transport = get_or_warn(config, "virtual_transport");
  d.relayhost = get_or_warn(config, "relayhost");
  d.empty_address_recipient = get_or_warn(config, "empty_address_recipient");
  d.remote_header_rewrite_domain = get_or_warn(config, "remote_header_rewrite_domain");
  d.recipient_delimiter = get_or_warn(config, "recipient_delimiter");
  d.append_at_myorigin = get_bool_or(config, "append_at_myorigin", true);
  d.append_dot_mydomain = get_bool_or(config, "append_dot_mydomain", false);
  d.swap_bangpath = get_bool_or(config, "swap_bangpath", true);
  d.allow_percent_hack = get_bool_or(config, "allow_percent_hack", true);
  d.resolve_numeric_domain = get_bool_or(config, "resolve_numeric_domain", false);
  d.show_user_unknown_table_name = get_bool_or(config, "show_user_unknown_table_name", true);

  const std::string parent = get_or_warn(config, "parent_domain_matches_subdomains");
  d.transport_parent_bare = parent_domain_matches(parent, "transport_maps");
  d.open_list(config, d.mydestination, "mydestination", parent);
  d.open_list(config, d.virtual_alias_domains, "virtual_alias_domains", parent);
  d.open_list(config, d.virtual_mailbox_domains, "virtual_mailbox_domains", parent);
  d.open_list(config, d.relay_domains, "relay_domains", parent);

  if (auto maps = config.try_get_list("transport_maps")) {
    for (const std::string& name : *maps) {
      auto table = util::dict_open(name);
      if (!table) {
        d.transport_error = "transport_maps: " + table.error().message;
        util::msg_warn(d.transport_error);
        break;
      }
      d.transport_maps.push_back(std::move(*table));
    }
  } else {
    d.transport_error = maps.error().message;
    util::msg_warn(d.transport_error);
  }
  d.own_addresses = own_addresses(config);
}

Resolver::~Resolver() = default;
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;

std::string Resolver::rewrite_address(std::string_view address, RewriteContext context) const {
  const Impl& d = *impl_;
  std::string origin = d.myorigin;
  std::string dot_domain = d.mydomain;
  if (context == RewriteContext::kRemote) {
    // Headers from remote clients are left alone unless the administrator
    // names a domain for them.
    if (d.remote_header_rewrite_domain.empty()) return std::string(address);
    origin = dot_domain = d.remote_header_rewrite_domain;
  }
  if (address.empty()) return "";
  // A lone "@" is a null address written oddly; Postfix quotes it.
  if (address == "@") return "\"\"";
  std::string a(address);
  if (auto stripped = strip_source_route(a)) a = *stripped;
  std::size_t at = find_domain_at(a);
  if (at == std::string::npos && d.swap_bangpath) {
    if (auto swapped = swap_bang_path(a)) a = *swapped;
    at = find_domain_at(a);
  }
  if (at == std::string::npos && d.allow_percent_hack) {
    if (auto swapped = percent_to_at(a)) a = *swapped;
    at = find_domain_at(a);
  }
  if (at == std::string::npos) {
    a = requote_local_part(a);
    if (d.append_at_myorigin && !origin.empty()) a += "@" + origin;
    return a;
  }
  a = requote_local_part(a.substr(0, at)) + a.substr(at);
  at = find_domain_at(a);
  std::string domain = a.substr(at + 1);
  // The dot test sees the domain before its trailing dot goes: "u@h." is
  // complete and becomes "u@h", never "u@h.$mydomain".
  if (d.append_dot_mydomain && !dot_domain.empty() && !domain.empty() && domain.front() != '[' &&
      domain.find('.') == std::string::npos) {
    a += "." + dot_domain;
  } else if (domain.size() > 1 && domain.back() == '.' && domain[domain.size() - 2] != '.') {
    a.pop_back();
  }
  return a;
}

Resolved Resolver::resolve_address(std::string_view address) const {
  const Impl& d = *impl_;
  Resolved out;
  auto temp_fail = [&](const util::Error& error, std::string recipient) {
    util::msg_warn("resolve: " + error.message);
    out.flags |= kResolveFlagFail;
    out.transport = "retry";
    out.nexthop = "4.3.0 address resolver failure";
    out.recipient = std::move(recipient);
    return out;
  };

  std::string a(address.empty() ? std::string_view(d.empty_address_recipient) : address);
  // A source route is kept in the recipient (the next hop may need it) but
  // the destination is the domain after it.
  std::string route;
  if (auto stripped = strip_source_route(a)) {
    route = a.substr(0, a.size() - stripped->size());
    a = *stripped;
    out.flags |= kResolveFlagRouted;
  }

  // Strip our own domain while the local part still routes elsewhere
  // ("user%remote@ours", "remote!user@ours", "user@remote@ours").
  std::size_t at = std::string::npos;
  for (int step = 0; step < kMaxRouteSteps; ++step) {
    at = find_domain_at(a);
    if (at == std::string::npos) {
      if (d.swap_bangpath) {
        if (auto swapped = swap_bang_path(a)) {
          a = *swapped;
          continue;
        }
      }
      if (d.allow_percent_hack) {
        if (auto swapped = percent_to_at(a)) {
          a = *swapped;
          continue;
        }
      }
      break;
    }
    // One trailing dot is a complete name; "host.." stays and is malformed.
    if (a.size() > at + 2 && a.back() == '.' && a[a.size() - 2] != '.') a.pop_back();
    if (!has_route_operator(std::string_view(a).substr(0, at), d.swap_bangpath,
                            d.allow_percent_hack)) {
      break;
    }
    auto local = d.is_local(a.substr(at + 1));
    if (!local) return temp_fail(local.error(), route + a);
    if (!*local) break;
    a.resize(at);
  }

  std::string domain;
  if (at == std::string::npos) {
    // A bare local part is for this machine.
    domain = d.myhostname;
    a += "@" + domain;
  } else {
    domain = a.substr(at + 1);
  }
  out.recipient = route + a;

  if (!valid_mail_domain(domain, d.resolve_numeric_domain)) {
    out.flags |= kResolveFlagError | kResolveClassDefault;
    out.transport = "error";
    out.nexthop = "5.1.3 bad address syntax";
    return out;
  }
  // Any routing operator left in the local part marks the address routed,
  // whether or not swap_bangpath/allow_percent_hack would act on it.
  if (has_route_operator(std::string_view(a).substr(0, find_domain_at(a)), true, true)) {
    out.flags |= kResolveFlagRouted;
  }

  // The address class, each with its transport and default next hop.
  TransportSpec spec;
  std::string default_nexthop = domain;
  auto local = d.is_local(domain);
  if (!local) return temp_fail(local.error(), out.recipient);
  if (*local) {
    out.flags |= kResolveClassLocal;
    spec = split_transport(d.local_transport);
  } else {
    const std::string lower = util::lowercase(domain);
    auto alias = Impl::match(d.virtual_alias_domains, lower);
    if (!alias) return temp_fail(alias.error(), out.recipient);
    if (*alias) {
      // Mail for a virtual alias domain that virtual_alias_maps did not
      // rewrite has nowhere to go; the transport table does not apply.
      out.flags |= kResolveClassAlias;
      out.transport = "error";
      out.nexthop = d.show_user_unknown_table_name
                        ? "5.1.1 User unknown in virtual alias table"
                        : "5.1.1 User unknown";
      return out;
    }
    auto mailbox = Impl::match(d.virtual_mailbox_domains, lower);
    if (!mailbox) return temp_fail(mailbox.error(), out.recipient);
    auto relay = *mailbox ? util::Result<bool>(false) : Impl::match(d.relay_domains, lower);
    if (!relay) return temp_fail(relay.error(), out.recipient);
    if (*mailbox) {
      out.flags |= kResolveClassVirtual;
      spec = split_transport(d.virtual_transport);
    } else {
      out.flags |= *relay ? kResolveClassRelay : kResolveClassDefault;
      spec = split_transport(*relay ? d.relay_transport : d.default_transport);
      // relayhost comes after the transport's own next hop and before the
      // recipient domain.
      if (!d.relayhost.empty()) default_nexthop = d.relayhost;
    }
  }
  out.transport = spec.transport;
  out.nexthop = spec.nexthop.empty() ? default_nexthop : spec.nexthop;

  // transport_maps: ":nexthop" keeps the transport, ":" keeps both, but a
  // new transport without a next hop goes to the recipient domain (not to
  // relayhost), as Postfix does.
  auto entry = d.find_transport(out.recipient, domain);
  if (!entry) return temp_fail(entry.error(), out.recipient);
  if (*entry) {
    TransportSpec over = split_transport(**entry);
    if (!over.transport.empty()) {
      out.transport = over.transport;
      out.nexthop = over.nexthop.empty() ? domain : over.nexthop;
      // An error/retry entry without a reason must not report the domain
      // as the reason (only these literal names, as Postfix).
      if (over.nexthop.empty() && (over.transport == "error" || over.transport == "retry")) {
        out.nexthop = "Address is undeliverable";
      }
    } else if (!over.nexthop.empty()) {
      out.nexthop = over.nexthop;
    }
  }
  return out;
}

bool Resolver::is_local_domain(std::string_view domain) const {
  auto local = impl_->is_local(std::string(domain));
  if (!local) {
    util::msg_warn(local.error().message);
    return false;
  }
  return *local;
}

}  // namespace mail
