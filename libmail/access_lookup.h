// Access-map searches: the partial-key lookups smtpd does for
// check_{recipient,sender}_access, check_{client,helo}_access and friends.
// Users: smtpd restrictions (and anything else that consults an access(5)
// style table). Takes its parameters explicitly so it needs no Config.
// Easy to get wrong:
//  - order for an address: user@domain (and user@domain without +ext),
//    domain, parent domains from the most specific, then user@ (and user@
//    without +ext). "@domain" keys are never looked up.
//  - parent domains are tried bare ("example.net") when
//    parent_domain_matches_subdomains covers smtpd_access_maps, otherwise
//    with a leading dot (".example.net"); never both.
//  - pattern tables (regexp, pcre, cidr) get only the full string, once.
//  - a table error stops the search and is returned as an error (the caller
//    replies 4xx), never treated as "not found".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace mail {

struct AccessLookupOptions {
  // True when parent_domain_matches_subdomains lists smtpd_access_maps
  // (Postfix's default).
  bool parent_domain_matches_subdomains = true;
  // recipient_delimiter: each character is a delimiter; empty = none.
  std::string recipient_delimiter;
};

// What a search found: the table value and the key that found it.
struct AccessMatch {
  std::string value;
  std::string key;
};

using AccessResult = util::Result<std::optional<AccessMatch>>;

// check_*_access on an e-mail address ("user@domain", or a bare local part).
AccessResult access_lookup_address(util::Dict& table, std::string_view address,
                                   const AccessLookupOptions& options);

// check_*_access on a host or domain name (HELO name, client hostname,
// the domain of an address): the name, then its parent domains.
AccessResult access_lookup_domain(util::Dict& table, std::string_view domain,
                                  const AccessLookupOptions& options);

// check_client_access on an address: "1.2.3.4", "1.2.3", "1.2", "1"; IPv6
// likewise at ":" boundaries. Pattern tables (cidr) get the address only.
AccessResult access_lookup_client_address(util::Dict& table, std::string_view address);

// The local part without its address extension ("user+ext" -> "user"), or
// nullopt when there is nothing to strip. Postfix never strips
// "postmaster", nor "owner-..."/"...-request" when "-" is a delimiter.
std::optional<std::string> strip_address_extension(std::string_view localpart,
                                                   std::string_view delimiters);

}  // namespace mail
