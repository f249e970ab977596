// Restriction lists as written in main.cf (smtpd_*_restrictions,
// smtpd_restriction_classes members, access-table right-hand sides):
// splitting, the names smtpd knows, and which names take an argument.
// User: restrictions.cc (tables to open at start), restriction_engine.cc.
// Easy to get wrong: "{...}" stays one element (policy service options);
// check_*_access needs a "type:table" argument, reject_rbl_client and
// friends a domain, check_policy_service an endpoint; a bare "type:table"
// element is short for the list's own check_*_access.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtpd {

using RestrictionList = std::vector<std::string>;

// Split on commas and white space, keeping "{...}" groups whole (braces kept).
RestrictionList split_restrictions(std::string_view value);

// check_client_access, check_helo_access, ...: the argument is a table.
bool takes_table(std::string_view name);
// reject_rbl_client, reject_rhsbl_*, permit_dnswl_client, check_policy_service...
bool takes_argument(std::string_view name);

}  // namespace smtpd
