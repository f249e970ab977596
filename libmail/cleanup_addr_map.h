// cleanup's address mapping: canonical maps (one-to-one), masquerading
// (strip subdomains), and virtual alias expansion (one-to-many, recursive).
// Users: cleanup (cleanup_process) for envelope and header addresses.
// Easy to get wrong:
//  - lookup order for user+ext@domain: "user+ext@domain", "user@domain",
//    then the bare local part ("user+ext", "user") ONLY when the domain is
//    ours ($myorigin, $mydestination, ...), then "@domain"; an answer found
//    without the extension gets it back (propagate_unmatched_extensions),
//    and "@other" as an answer keeps the local part;
//  - a table error is not "not found": the message must wait (DEFER);
//  - virtual expansion stops at an address that maps to itself, drops
//    duplicates, and refuses (defers) beyond the recursion/expansion limits;
//  - sender_canonical_maps (or recipient_...) is applied before
//    canonical_maps.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace mail {

using DictList = std::vector<std::unique_ptr<util::Dict>>;

struct AddressMaps {
  DictList canonical, sender_canonical, recipient_canonical, virtual_alias;
  // canonical_classes / masquerade_classes.
  bool canon_envelope_sender = true, canon_envelope_recipient = true;
  bool canon_header_sender = true, canon_header_recipient = true;
  bool masq_envelope_sender = true, masq_envelope_recipient = false;
  bool masq_header_sender = true, masq_header_recipient = true;
  std::vector<std::string> masquerade_domains;     // "!d" excludes d
  std::vector<std::string> masquerade_exceptions;  // local parts, lower case
  std::string recipient_delimiter;
  bool propagate_canonical = true, propagate_virtual = true;
  long virtual_recursion_limit = 1000;
  long virtual_expansion_limit = 1000;
  // Is this domain ours (bare "user" keys are tried)?
  std::function<bool(std::string_view domain)> is_local_domain;
  // Local-context rewriting of a table's answer ("user" -> user@$myorigin).
  std::function<std::string(std::string_view)> qualify;
};

// Error text: Postfix's warning for a failed table ("... lookup error for
// ADDR") or an unreasonable expansion; the caller defers the message.
util::Result<std::string> map_canonical(const AddressMaps& maps, std::string_view address,
                                        bool sender);
std::string masquerade(const AddressMaps& maps, std::string_view address);
util::Result<std::vector<std::string>> expand_virtual(const AddressMaps& maps,
                                                      std::string_view address);

// One lookup in Postfix's address-map order; nullopt when no key matched.
util::Result<std::optional<std::string>> address_map_lookup(const AddressMaps& maps,
                                                            const DictList& tables,
                                                            std::string_view address,
                                                            bool propagate);

}  // namespace mail
