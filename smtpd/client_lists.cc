#include "smtpd/client_lists.h"

#include "libutil/log.h"

namespace smtpd {

namespace {

std::optional<mail::MatchList> parse(const conf::Config& config, const std::string& name) {
  std::string value = config.get(name);
  mail::MatchListOptions options;
  options.list_name = name;
  options.parent_domain_matches_subdomains =
      mail::parent_domain_matches(config.get("parent_domain_matches_subdomains"), name);
  auto list = mail::MatchList::parse(value, options);
  if (!list) util::msg_fatal(name + ": " + list.error().message);
  if (list->size() == 0) return std::nullopt;
  return std::move(*list);
}

}  // namespace

ClientLists ClientLists::open(const conf::Config& config) {
  ClientLists l;
  for (auto [named, name] :
       {std::pair{&l.xclient_, "smtpd_authorized_xclient_hosts"},
        std::pair{&l.xforward_, "smtpd_authorized_xforward_hosts"},
        std::pair{&l.bare_newline_exclusions_, "smtpd_forbid_bare_newline_exclusions"}}) {
    named->name = name;
    named->list = parse(config, name);
  }
  return l;
}

bool ClientLists::match(const Named& named, const ClientInfo& client) {
  if (!named.list) return false;
  auto m = named.list->match_host(client.name, client.addr);
  if (!m) {
    util::msg_warn(named.name + ": " + m.error().message);
    return false;
  }
  return *m;
}

}  // namespace smtpd
