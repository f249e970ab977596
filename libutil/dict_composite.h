// Opening the member tables of pipemap:{...} and unionmap:{...}.
// Users: dict_pipemap.cc, dict_unionmap.cc.
// Easy to get wrong: members are opened read-only with the parent's case
// folding, and a member that cannot be opened fails the whole table (as a
// table that cannot be read must make mail wait, not silently shrink).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "libutil/dict.h"

namespace util {

// `type` is "pipemap" or "unionmap"; errors as Postfix words them:
// bad syntax: "pipemap:foo"; need "pipemap:{type:name...}".
Result<std::vector<std::unique_ptr<Dict>>> open_member_tables(std::string_view type,
                                                              std::string_view name,
                                                              const DictOpenOptions& options);

}  // namespace util
