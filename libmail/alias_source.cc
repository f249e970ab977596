// aliases(5) source parsing; see alias_source.h. The tokenizer here is the
// small RFC 822 subset postalias needs; the output rules were observed on
// Postfix 3.7 (compat/tables.md and the interop tests).
#include "libmail/alias_source.h"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "libutil/log.h"
#include "libutil/utf8_fold.h"

namespace mail {
namespace {

enum class TokType { kAtom, kQuoted, kComment, kDomainLiteral, kSpecial };

struct Token {
  TokType type;
  std::string text;  // atom/quoted: unescaped; comment: raw with parens; special: the char
  char special = 0;
};

bool is_word(TokType t) { return t != TokType::kSpecial; }

// RFC 822 specials plus "%!|", which Postfix's tokenizer also splits on
// (route addresses and "|command" values are written back without spaces).
constexpr std::string_view kSpecials = "()<>@,;:\\\".[]%!|";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Characters that end an atom: whitespace and the RFC 822 specials except
// backslash, which escapes the next character into the atom.
bool ends_atom(char c) {
  return is_space(c) || (c != '\\' && kSpecials.find(c) != std::string_view::npos);
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '(') {
      // Comments nest and are kept verbatim; an unclosed one runs to the end.
      size_t start = i;
      int depth = 0;
      for (; i < n; ++i) {
        if (s[i] == '\\' && i + 1 < n) {
          ++i;
        } else if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
      out.push_back({TokType::kComment, std::string(s.substr(start, i - start))});
    } else if (c == '"') {
      std::string text;
      for (++i; i < n && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          if (++i >= n) break;  // a trailing backslash is dropped
        }
        text += s[i];
      }
      if (i < n) ++i;  // closing quote; an unclosed string is closed on output
      out.push_back({TokType::kQuoted, std::move(text)});
    } else if (c == '[') {
      std::string text;
      for (++i; i < n && s[i] != ']'; ++i) text += s[i];
      if (i < n) ++i;
      out.push_back({TokType::kDomainLiteral, std::move(text)});
    } else if (c != '\\' && kSpecials.find(c) != std::string_view::npos) {
      out.push_back({TokType::kSpecial, std::string(1, c), c});
      ++i;
    } else {
      std::string text;
      while (i < n && !ends_atom(s[i])) {
        if (s[i] == '\\') {
          if (++i >= n) break;
        }
        text += s[i++];
      }
      out.push_back({TokType::kAtom, std::move(text)});
    }
  }
  return out;
}

bool atom_needs_quotes(std::string_view atom) {
  for (unsigned char c : atom) {
    if (c < 0x20 || c == 0x7f || c == ' ' || kSpecials.find(static_cast<char>(c)) != std::string_view::npos)
      return true;
  }
  return false;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Write tokens back as text. `quoted` = value form (atoms that need it and
// quoted strings get quotes); otherwise name form (quotes dropped).
std::string externalize(const std::vector<Token>& toks, size_t from, size_t to, bool quoted) {
  std::string out;
  bool prev_word = false;
  for (size_t i = from; i < to; ++i) {
    const Token& t = toks[i];
    if (is_word(t.type)) {
      if (prev_word) out += ' ';
      switch (t.type) {
        case TokType::kAtom:
          out += quoted && atom_needs_quotes(t.text) ? quote(t.text) : t.text;
          break;
        case TokType::kQuoted:
          out += quoted ? quote(t.text) : t.text;
          break;
        case TokType::kComment:
          out += t.text;
          break;
        case TokType::kDomainLiteral:
          out += "[" + t.text + "]";
          break;
        case TokType::kSpecial:
          break;
      }
      prev_word = true;
      continue;
    }
    prev_word = false;
    if (t.special == ',') {
      out += ", ";
    } else if (t.special == '<') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      out += '<';
    } else {
      out += t.special;
    }
  }
  return out;
}

// getline(3)'s buffer, freed once at the end however the loop exits.
struct LineBuffer {
  char* data = nullptr;
  size_t capacity = 0;
  LineBuffer() = default;
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { std::free(data); }
};

}  // namespace

AliasLine parse_alias_line(std::string_view logical_line) {
  AliasLine result;
  std::vector<Token> toks = tokenize(logical_line);
  size_t colon = toks.size();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].type == TokType::kSpecial && toks[i].special == ':') {
      colon = i;
      break;
    }
  }
  if (colon == toks.size() || colon == 0 || colon + 1 == toks.size()) {
    result.status = AliasLineStatus::kNeedPair;
    return result;
  }
  for (size_t i = 0; i < colon; ++i) {
    if (toks[i].type == TokType::kSpecial && toks[i].special == '@') {
      result.status = AliasLineStatus::kNameNotLocal;
      return result;
    }
  }
  result.name = externalize(toks, 0, colon, false);
  result.value = externalize(toks, colon + 1, toks.size(), true);
  return result;
}

util::Result<void> read_alias_source(std::FILE* in, std::string_view source_name,
                                     const std::function<void(const AliasEntry&)>& on_entry,
                                     bool utf8) {
  const std::string where(source_name);
  std::string logical;
  int logical_line = 0;
  bool have_logical = false;

  auto flush = [&] {
    if (!have_logical) return;
    have_logical = false;
    if (utf8 && !util::valid_utf8(logical)) {
      util::msg_warn(where + ", line " + std::to_string(logical_line) + ": non-UTF-8 input \"" +
                     util::printable(logical) + "\" -- ignoring this line");
      return;
    }
    AliasLine parsed = parse_alias_line(logical);
    switch (parsed.status) {
      case AliasLineStatus::kOk:
        on_entry(AliasEntry{std::move(parsed.name), std::move(parsed.value), logical_line});
        break;
      case AliasLineStatus::kNeedPair:
        util::msg_warn(where + ", line " + std::to_string(logical_line) + ": need name:value pair");
        break;
      case AliasLineStatus::kNameNotLocal:
        util::msg_warn(where + ", line " + std::to_string(logical_line) + ": name must be local");
        break;
    }
  };

  LineBuffer buf;
  int lineno = 0;
  errno = 0;
  for (;;) {
    ssize_t len = ::getline(&buf.data, &buf.capacity, in);
    if (len < 0) break;
    ++lineno;
    std::string_view line(buf.data, static_cast<size_t>(len));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t\r\n\v\f");
    // Blank and comment lines neither start nor end a logical line.
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (first > 0) {
      if (have_logical) {
        logical.append(line);
      } else {
        util::msg_warn(where + ": logical line must not start with whitespace: \"" +
                       std::string(line) + "\"");
      }
      continue;
    }
    flush();
    logical.assign(line);
    logical_line = lineno;
    have_logical = true;
  }
  bool failed = std::ferror(in) != 0;
  int saved = errno;
  flush();
  if (failed) return util::fail_errno("read " + where, saved);
  return {};
}

}  // namespace mail
