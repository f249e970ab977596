// Brace syntax shared by the tables whose name is a list: inline:{a=1, b=2},
// static:{two words}, randmap:{a b}, pipemap:{inline:{a=b}, hash:x}.
// Users: dict_inline.cc, dict_static.cc, dict_randmap.cc, dict_pipemap.cc,
// dict_unionmap.cc. Easy to get wrong: braces nest (a pipemap element is
// itself "inline:{...}"), so separators only count at depth 0, and a
// group must close exactly at the end of the name ("{a}b" is an error).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace util {

// The text between the braces when `s` is exactly one "{...}" group with
// balanced braces inside; nullopt otherwise.
std::optional<std::string_view> braced_body(std::string_view s);

// Split on commas and white space outside braces: "a=1, {b = 2 2}" ->
// "a=1", "{b = 2 2}". nullopt on unbalanced braces.
std::optional<std::vector<std::string_view>> split_braced_list(std::string_view s);

// "{ text }" -> "text" with surrounding blanks trimmed; other tokens as is.
std::string_view unbrace_token(std::string_view token);

// bad syntax: "TYPE:NAME"; need "TYPE:{WHAT...}"
std::unexpected<Error> bad_list_syntax(std::string_view type, std::string_view name,
                                       std::string_view what);

// The REASON of "table T:N: query error: REASON" (what a composite table
// repeats under its own name); the whole message when it has no such part.
std::string error_reason(const Error& error);

}  // namespace util
