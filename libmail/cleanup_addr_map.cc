#include "libmail/cleanup_addr_map.h"

#include <optional>

#include "libmail/access_lookup.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace mail {

namespace {

// Postfix gives up on a canonical chain this long.
constexpr int kCanonicalHops = 10;

// Put the unmatched extension back: "user@d" + "+ext" -> "user+ext@d".
std::string add_extension(std::string_view address, std::string_view ext) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address) + std::string(ext);
  return std::string(address.substr(0, at)) + std::string(ext) + std::string(address.substr(at));
}

// Postfix's words for a table that could not be searched.
std::unexpected<util::Error> lookup_problem(std::string_view title, std::string_view address) {
  return util::fail(std::string(title) + " map lookup problem for " + std::string(address) +
                    " -- message not accepted, try again later");
}

std::vector<std::string> split_values(std::string_view value) {
  return util::split(value, ", \t\r\n");
}

}  // namespace

util::Result<std::optional<std::string>> address_map_lookup(const AddressMaps& maps,
                                                            const DictList& tables,
                                                            std::string_view address,
                                                            bool propagate) {
  if (tables.empty()) return std::optional<std::string>{};
  auto at = address.rfind('@');
  std::string_view local = at == std::string_view::npos ? address : address.substr(0, at);
  std::string_view domain = at == std::string_view::npos ? "" : address.substr(at + 1);
  auto base = strip_address_extension(local, maps.recipient_delimiter);
  std::string ext = base ? std::string(local.substr(base->size())) : "";

  // Pattern tables see the full address only.
  struct Key {
    std::string key;
    bool stripped;
  };
  std::vector<Key> keys;
  keys.push_back({std::string(address), false});
  if (base && !domain.empty()) keys.push_back({*base + "@" + std::string(domain), true});
  bool ours = domain.empty() || (maps.is_local_domain && maps.is_local_domain(domain));
  if (ours) {
    keys.push_back({std::string(local), false});
    if (base) keys.push_back({*base, true});
  }
  if (!domain.empty()) keys.push_back({"@" + std::string(domain), false});

  for (const auto& t : tables) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (t->is_pattern() && i > 0) break;
      auto r = t->lookup(keys[i].key);
      if (!r) return std::unexpected(r.error());
      if (!*r) continue;
      std::string value = **r;
      // "@other": keep the local part.
      std::vector<std::string> out;
      for (auto& v : split_values(value)) {
        std::string a = v;
        if (!a.empty() && a[0] == '@') a = std::string(keys[i].stripped ? *base : local) + a;
        if (keys[i].stripped && propagate && !ext.empty()) a = add_extension(a, ext);
        out.push_back(std::move(a));
      }
      std::string joined;
      for (auto& a : out) joined += (joined.empty() ? "" : ",") + a;
      return std::optional<std::string>(joined);
    }
  }
  return std::optional<std::string>{};
}

util::Result<std::string> map_canonical(const AddressMaps& maps, std::string_view address,
                                        bool sender) {
  std::string addr(address);
  struct Step {
    const DictList* tables;
    const char* title;
  };
  for (Step step : {sender ? Step{&maps.sender_canonical, "sender_canonical_maps"}
                           : Step{&maps.recipient_canonical, "recipient_canonical_maps"},
                    Step{&maps.canonical, "canonical_maps"}}) {
    const DictList* tables = step.tables;
    for (int hop = 0; hop < kCanonicalHops; ++hop) {
      auto r = address_map_lookup(maps, *tables, addr, maps.propagate_canonical);
      if (!r) {
        util::msg_warn(r.error().message);
        return lookup_problem(step.title, addr);
      }
      if (!*r) break;
      auto values = split_values(**r);
      if (values.empty()) break;
      std::string next = maps.qualify ? maps.qualify(values.front()) : values.front();
      if (util::iequals(next, addr)) break;
      addr = std::move(next);
    }
  }
  return addr;
}

std::string masquerade(const AddressMaps& maps, std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || maps.masquerade_domains.empty()) return std::string(address);
  std::string local = util::lowercase(address.substr(0, at));
  for (const auto& e : maps.masquerade_exceptions)
    if (local == e) return std::string(address);
  std::string domain = util::lowercase(address.substr(at + 1));
  for (const auto& entry : maps.masquerade_domains) {
    bool exclude = !entry.empty() && entry[0] == '!';
    std::string d = util::lowercase(exclude ? std::string_view(entry).substr(1) : entry);
    if (domain == d) return std::string(address);  // already masqueraded
    if (domain.size() > d.size() && domain.ends_with("." + d)) {
      if (exclude) return std::string(address);
      return std::string(address.substr(0, at + 1)) + d;
    }
  }
  return std::string(address);
}

util::Result<std::vector<std::string>> expand_virtual(const AddressMaps& maps,
                                                      std::string_view address) {
  std::vector<std::string> result;
  auto add_unique = [&](const std::string& a) {
    for (const auto& r : result)
      if (r == a) return;
    result.push_back(a);
  };
  std::vector<std::string> work{std::string(address)};
  for (long depth = 0; !work.empty(); ++depth) {
    if (depth >= maps.virtual_recursion_limit) {
      return util::fail("unreasonable virtual_alias_maps map nesting for " +
                        std::string(address) + " -- message not accepted, try again later");
    }
    std::vector<std::string> next;
    for (const auto& a : work) {
      auto r = address_map_lookup(maps, maps.virtual_alias, a, maps.propagate_virtual);
      if (!r) {
        util::msg_warn(r.error().message);
        return lookup_problem("virtual_alias_maps", a);
      }
      if (!*r) {
        add_unique(a);
        continue;
      }
      for (const auto& v : split_values(**r)) {
        std::string q = maps.qualify ? maps.qualify(v) : v;
        // An address that maps to itself is final (user@d -> user@d, other).
        if (util::iequals(q, a)) {
          add_unique(q);
        } else {
          next.push_back(q);
        }
      }
      if (static_cast<long>(result.size() + next.size()) > maps.virtual_expansion_limit) {
        return util::fail("unreasonable virtual_alias_maps map expansion size for " +
                          std::string(address) + " -- message not accepted, try again later");
      }
    }
    work = std::move(next);
  }
  return result;
}

}  // namespace mail
