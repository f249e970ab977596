// Address lookups in recipient tables (local_recipient_maps,
// relay_recipient_maps, virtual_alias_maps, ...) as Postfix's
// mail_addr_find does it for smtpd. User: restriction_checks.cc.
// Easy to get wrong: each key is tried in every table before the next key
// (user+ext@domain, user@domain, then for a local domain the bare
// user+ext and user, then @domain); pattern tables see the full address
// only; a table error ends the search with an error (the caller defers).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace smtpd {

using TableList = std::vector<std::unique_ptr<util::Dict>>;

util::Result<std::optional<std::string>> addr_find(const TableList& maps, std::string_view address,
                                                   bool domain_is_local,
                                                   std::string_view delimiters);

}  // namespace smtpd
