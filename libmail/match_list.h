// Postfix match lists: domain lists (mydestination, relay_domains, ...) and
// host/address lists (mynetworks, debug_peer_list, ...). Users: smtpd
// (permit_mynetworks, reject_unauth_destination), trivial-rewrite
// (is this domain local/relay?), qmgr/smtp (debug_peer_list).
// Easy to get wrong:
//  - first matching element wins; "!element" turns a match into a definite
//    NO (the rest of the list is not consulted); no match at all is NO.
//  - "/file" elements are replaced by the elements in the file (several per
//    line, '#' comments); "type:table" elements match when the name (or an
//    address) is FOUND, whatever the value.
//  - a table that cannot be searched is an error, not "no match": the caller
//    must defer (4xx), never relay or bounce on it.
//  - parent-domain matching ("example.com" also matches "sub.example.com")
//    depends on whether parent_domain_matches_subdomains names the list;
//    ".example.com" always matches strict subdomains only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/dict_cidr.h"
#include "libutil/error.h"

namespace mail {

struct MatchListOptions {
  // Parameter name, for messages ("mynetworks: ...").
  std::string list_name;
  // True when parent_domain_matches_subdomains names this list.
  bool parent_domain_matches_subdomains = false;
};

// True when a parent_domain_matches_subdomains value names `list_name`.
bool parent_domain_matches(std::string_view parent_domain_matches_subdomains,
                           std::string_view list_name);

class MatchList {
 public:
  // Parses a list value (commas and/or whitespace, `{...}` kept together),
  // reads "/file" elements and opens "type:table" elements. Errors: an
  // unreadable file ("open /file: ...") or a table that cannot be opened.
  static util::Result<MatchList> parse(std::string_view value, const MatchListOptions& options);

  MatchList(MatchList&&) noexcept;
  MatchList& operator=(MatchList&&) noexcept;
  ~MatchList();

  // Domain lists: does the (host or domain) name match?
  util::Result<bool> match_domain(std::string_view name) const;
  // Host/address lists: a client's name (may be empty or "unknown") and
  // address ("1.2.3.4", "2001:db8::1").
  util::Result<bool> match_host(std::string_view hostname, std::string_view address) const;

  std::size_t size() const { return elements_.size(); }

 private:
  enum class Kind { kName, kNetwork, kTable };
  struct Element {
    Kind kind = Kind::kName;
    bool negate = false;
    std::string name;                    // kName: lower-cased pattern
    util::CidrNet net;                   // kNetwork
    std::unique_ptr<util::Dict> table;   // kTable
  };

  MatchList() = default;
  util::Result<void> add(std::string_view element, bool negate, int depth);
  util::Result<bool> name_matches(const Element& e, std::string_view name) const;
  util::Result<bool> table_has_name(util::Dict& table, const std::string& name) const;

  MatchListOptions options_;
  std::vector<Element> elements_;
};

// Splits a list value on commas and whitespace, keeping "{...}" groups in
// one element (type:{...} tables, inline:{a=1, b=2}).
std::vector<std::string> split_match_list(std::string_view value);

}  // namespace mail
