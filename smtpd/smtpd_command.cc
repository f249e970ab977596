#include "smtpd/smtpd_command.h"

#include <cctype>
#include <cstdio>

namespace smtpd {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// End of a path token starting at `pos`: a bracketed path runs to its
// closing '>' (quotes and backslashes respected), a bare one to a blank.
size_t path_end(std::string_view s, size_t pos) {
  if (pos < s.size() && s[pos] == '<') {
    bool quoted = false;
    for (size_t i = pos + 1; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size()) {
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '>' && !quoted) {
        return i + 1;
      }
    }
    return s.size();
  }
  size_t i = pos;
  while (i < s.size() && !blank(s[i])) ++i;
  return i;
}

}  // namespace

CommandLine split_command(std::string_view line) {
  CommandLine out;
  size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  size_t start = i;
  while (i < line.size() && !blank(line[i])) ++i;
  out.verb = upper(line.substr(start, i - start));
  while (i < line.size() && blank(line[i])) ++i;
  std::string_view rest = line.substr(i);
  while (!rest.empty() && blank(rest.back())) rest.remove_suffix(1);
  out.args = std::string(rest);
  return out;
}

std::optional<PathArgs> parse_path_args(std::string_view args, std::string_view keyword) {
  if (args.size() < keyword.size() + 1) return std::nullopt;
  if (upper(args.substr(0, keyword.size())) != keyword || args[keyword.size()] != ':')
    return std::nullopt;
  size_t pos = keyword.size() + 1;
  while (pos < args.size() && blank(args[pos])) ++pos;
  if (pos >= args.size()) return std::nullopt;
  size_t end = path_end(args, pos);
  PathArgs out;
  out.path = std::string(args.substr(pos, end - pos));
  pos = end;
  while (pos < args.size()) {
    while (pos < args.size() && blank(args[pos])) ++pos;
    size_t start = pos;
    while (pos < args.size() && !blank(args[pos])) ++pos;
    if (pos == start) break;
    std::string_view word = args.substr(start, pos - start);
    out.raw_params.emplace_back(word);
    size_t eq = word.find('=');
    if (eq == std::string_view::npos)
      out.params.emplace_back(upper(word), "");
    else
      out.params.emplace_back(upper(word.substr(0, eq)), std::string(word.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> extract_address(std::string_view path, bool strict_rfc821) {
  std::string_view a = path;
  if (!a.empty() && a.front() == '<') {
    if (a.size() < 2 || a.back() != '>') return std::nullopt;
    a = a.substr(1, a.size() - 2);
  } else if (strict_rfc821) {
    return std::nullopt;
  }
  bool quoted = false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(a[i]);
    if (c < 0x20 || c == 0x7f) return std::nullopt;
    if (c == '\\') {
      if (i + 1 >= a.size()) return std::nullopt;
      ++i;
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    if (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';')
      return std::nullopt;
  }
  if (quoted) return std::nullopt;
  // A source route (@a,@b:user@d) is dropped, as Postfix's parser does.
  std::string out(a);
  if (!out.empty() && out.front() == '@') {
    size_t colon = out.find(':');
    if (colon != std::string::npos) out.erase(0, colon + 1);
  }
  return out;
}

std::optional<std::string> xtext_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 33 || c > 126 || c == '=') return std::nullopt;
    if (c != '+') {
      out += static_cast<char>(c);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      return -1;
    };
    int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<int> parse_notify(std::string_view value) {
  if (value.empty()) return std::nullopt;
  int flags = 0;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string word =
        upper(value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (word == "NEVER")
      flags |= 1;
    else if (word == "SUCCESS")
      flags |= 2;
    else if (word == "FAILURE")
      flags |= 4;
    else if (word == "DELAY")
      flags |= 8;
    else
      return std::nullopt;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if ((flags & 1) && flags != 1) return std::nullopt;
  return flags;
}

bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    for (int k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool looks_like_header(std::string_view line) {
  size_t i = 0;
  while (i < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == ':') break;
    if (c <= ' ' || c >= 0x7f) return false;
    ++i;
  }
  return i > 0 && i < line.size();
}

std::string printable_escape(std::string_view text, size_t max) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace smtpd
