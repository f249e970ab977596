#include "tools/postconf/references.h"

namespace postconf {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<std::string> referenced_names(std::string_view value) {
  std::vector<std::string> names;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$' || i + 1 >= value.size()) continue;
    size_t start = i + 1;
    if (value[start] == '$') {  // literal '$'
      i = start;
      continue;
    }
    if (value[start] == '{' || value[start] == '(') ++start;
    size_t end = start;
    while (end < value.size() && is_name_char(value[end])) ++end;
    if (end > start) names.emplace_back(value.substr(start, end - start));
    // Keep scanning inside the braces: branches hold references too.
    i = start - 1;
  }
  return names;
}

}  // namespace postconf
