#include "libutil/dict_syntax.h"

#include "libutil/strings.h"

namespace util {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::optional<std::string_view> braced_body(std::string_view s) {
  if (s.size() < 2 || s.front() != '{') return std::nullopt;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') {
      ++depth;
    } else if (s[i] == '}') {
      if (--depth == 0) {
        if (i != s.size() - 1) return std::nullopt;  // text after the group
        return s.substr(1, s.size() - 2);
      }
    }
  }
  return std::nullopt;  // never closed
}

std::optional<std::vector<std::string_view>> split_braced_list(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_separator(s[i])) ++i;
    if (i >= s.size()) break;
    size_t start = i;
    int depth = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '{') {
        ++depth;
      } else if (c == '}') {
        if (--depth < 0) return std::nullopt;
      } else if (depth == 0 && is_separator(c)) {
        break;
      }
    }
    if (depth != 0) return std::nullopt;
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view unbrace_token(std::string_view token) {
  if (auto body = braced_body(token)) return trim(*body);
  return token;
}

std::unexpected<Error> bad_list_syntax(std::string_view type, std::string_view name,
                                       std::string_view what) {
  return fail("bad syntax: \"" + std::string(type) + ":" + std::string(name) + "\"; need \"" +
              std::string(type) + ":{" + std::string(what) + "...}\"");
}

std::string error_reason(const Error& error) {
  constexpr std::string_view kMarker = " error: ";
  size_t at = error.message.find(kMarker);
  if (at == std::string::npos) return error.message;
  return error.message.substr(at + kMarker.size());
}

}  // namespace util
