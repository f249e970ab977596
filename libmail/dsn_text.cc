#include "libmail/dsn_text.h"

#include <cctype>

namespace mail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Length of a run of 1-3 digits at `pos`, or 0.
std::size_t digits_at(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && n < 4 && std::isdigit(static_cast<unsigned char>(s[pos + n]))) ++n;
  return n >= 1 && n <= 3 ? n : 0;
}

// Length of the code at the start of `s`, or 0.
std::size_t dsn_length(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  std::size_t pos = 2;
  std::size_t n = digits_at(s, pos);
  if (n == 0) return 0;
  pos += n;
  if (pos >= s.size() || s[pos] != '.') return 0;
  ++pos;
  n = digits_at(s, pos);
  if (n == 0) return 0;
  return pos + n;
}

}  // namespace

bool valid_dsn(std::string_view code) { return !code.empty() && dsn_length(code) == code.size(); }

DsnText split_dsn_text(std::string_view text, std::string_view default_dsn) {
  std::size_t len = dsn_length(text);
  if (len == 0 || (len < text.size() && !is_space(text[len]))) {
    return {std::string(default_dsn), std::string(text)};
  }
  std::size_t rest = len;
  while (rest < text.size() && is_space(text[rest])) ++rest;
  return {std::string(text.substr(0, len)), std::string(text.substr(rest))};
}

}  // namespace mail
