#include "libmail/access_lookup.h"

#include <vector>

#include "libutil/strings.h"

namespace mail {
namespace {

// Tries `keys` in order on a fixed-string table; the first hit wins.
AccessResult first_found(util::Dict& table, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    auto found = table.lookup(key);
    if (!found) return std::unexpected(found.error());
    if (*found) return AccessMatch{std::move(**found), key};
  }
  return std::optional<AccessMatch>();
}

AccessResult full_string_only(util::Dict& table, std::string_view key) {
  auto found = table.lookup(key);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<AccessMatch>();
  return AccessMatch{std::move(**found), std::string(key)};
}

void append_domain_keys(std::vector<std::string>& keys, const std::string& domain,
                        bool parent_style) {
  if (domain.empty()) return;
  keys.push_back(domain);
  for (std::size_t dot = domain.find('.', 1); dot != std::string::npos;
       dot = domain.find('.', dot + 1)) {
    if (dot + 1 >= domain.size()) break;  // trailing dot: no parent left
    keys.push_back(parent_style ? domain.substr(dot + 1) : domain.substr(dot));
  }
}

}  // namespace

std::optional<std::string> strip_address_extension(std::string_view localpart,
                                                   std::string_view delimiters) {
  if (delimiters.empty() || util::iequals(localpart, "postmaster")) return std::nullopt;
  if (delimiters.find('-') != std::string_view::npos) {
    if (util::starts_with_icase(localpart, "owner-")) return std::nullopt;
    if (localpart.size() > 8 &&
        util::iequals(localpart.substr(localpart.size() - 8), "-request")) {
      return std::nullopt;
    }
  }
  std::size_t cut = localpart.find_first_of(delimiters);
  if (cut == std::string_view::npos) return std::nullopt;
  return std::string(localpart.substr(0, cut));
}

AccessResult access_lookup_address(util::Dict& table, std::string_view address,
                                   const AccessLookupOptions& options) {
  if (table.is_pattern()) return full_string_only(table, address);

  // Fixed-string tables are case-insensitive however the table was opened.
  const std::string addr = util::lowercase(address);
  const std::size_t at = addr.rfind('@');
  const std::string local = at == std::string::npos ? addr : addr.substr(0, at);
  const std::string domain = at == std::string::npos ? std::string() : addr.substr(at + 1);
  const auto stripped = strip_address_extension(local, options.recipient_delimiter);

  std::vector<std::string> keys;
  keys.push_back(addr);
  if (stripped) keys.push_back(domain.empty() ? *stripped : *stripped + "@" + domain);
  append_domain_keys(keys, domain, options.parent_domain_matches_subdomains);
  keys.push_back(local + "@");
  if (stripped) keys.push_back(*stripped + "@");
  return first_found(table, keys);
}

AccessResult access_lookup_domain(util::Dict& table, std::string_view domain,
                                  const AccessLookupOptions& options) {
  if (table.is_pattern()) return full_string_only(table, domain);
  std::vector<std::string> keys;
  append_domain_keys(keys, util::lowercase(domain), options.parent_domain_matches_subdomains);
  return first_found(table, keys);
}

AccessResult access_lookup_client_address(util::Dict& table, std::string_view address) {
  if (table.is_pattern()) return full_string_only(table, address);
  std::string key = util::lowercase(address);
  const char delim = key.find(':') != std::string::npos ? ':' : '.';
  std::vector<std::string> keys;
  while (!key.empty()) {
    // "2001:db8::" style leftovers are not network prefixes: skip them.
    if (key.back() != delim) keys.push_back(key);
    std::size_t cut = key.rfind(delim);
    if (cut == std::string::npos) break;
    key.erase(cut);
  }
  return first_found(table, keys);
}

}  // namespace mail
