#include "tools/postconf/folding.h"

namespace postconf {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string fold_line(std::string_view text, size_t limit) {
  std::string out;
  size_t line_len = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (line_len == 0) {
      out += word;
      line_len = word.size();
    } else if (line_len + 1 + word.size() > limit) {
      out += "\n    ";
      out += word;
      line_len = 4 + word.size();
    } else {
      out += ' ';
      out += word;
      line_len += 1 + word.size();
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace postconf
