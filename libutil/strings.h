// Small string helpers shared by the parsers. ASCII only: mail syntax is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace util {

std::string_view trim(std::string_view s);
std::string lowercase(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);
// Split on any of `separators`, dropping empty pieces (Postfix list syntax
// uses ", \t\r\n").
std::vector<std::string> split(std::string_view s, std::string_view separators);

}  // namespace util
