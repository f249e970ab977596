// Which parameter names a value refers to ($name, ${name}, ${name?..},
// $(name), inside nested branches too). postconf uses it to tell a used
// user-defined parameter from an "unused parameter" and to warn about
// "undefined parameter" references.
// Easy to get wrong: "$$" is a literal dollar, not a reference.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postconf {

// Names in order of appearance (duplicates kept).
std::vector<std::string> referenced_names(std::string_view value);

}  // namespace postconf
