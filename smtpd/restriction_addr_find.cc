// Recipient-table address lookups (restriction_addr_find.h).
#include "smtpd/restriction_addr_find.h"

#include "libmail/access_lookup.h"
#include "libutil/strings.h"

namespace smtpd {

util::Result<std::optional<std::string>> addr_find(const TableList& maps, std::string_view address,
                                                   bool domain_is_local,
                                                   std::string_view delimiters) {
  std::string full = util::lowercase(address);
  auto at = full.rfind('@');
  std::string local = at == std::string::npos ? full : full.substr(0, at);
  std::string domain = at == std::string::npos ? "" : full.substr(at + 1);
  std::optional<std::string> bare = mail::strip_address_extension(local, delimiters);

  struct Key {
    std::string text;
    bool pattern_too;
  };
  std::vector<Key> keys;
  keys.push_back({full, true});
  if (bare && !domain.empty()) keys.push_back({*bare + "@" + domain, false});
  if (domain_is_local || domain.empty()) {
    if (!domain.empty()) keys.push_back({local, false});
    if (bare) keys.push_back({*bare, false});
  }
  if (!domain.empty()) keys.push_back({"@" + domain, false});

  for (const auto& key : keys) {
    for (const auto& map : maps) {
      if (map->is_pattern() && !key.pattern_too) continue;
      auto found = map->lookup(key.text);
      if (!found) return std::unexpected(found.error());
      if (*found) return *found;
    }
  }
  return std::optional<std::string>{};
}

}  // namespace smtpd
