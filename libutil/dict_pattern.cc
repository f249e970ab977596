#include "libutil/dict_pattern.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "libutil/log.h"

namespace util {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<std::vector<PatternFileLine>> read_pattern_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!fp) return fail_errno("open " + path);

  std::vector<PatternFileLine> lines;
  std::string physical;
  int lineno = 0;
  // A logical line is only complete when the next non-continuation line
  // starts, so the pending one is kept apart from `lines`.
  std::optional<PatternFileLine> pending;
  bool eof = false;
  while (!eof) {
    physical.clear();
    int c;
    while ((c = std::fgetc(fp.get())) != EOF && c != '\n') physical += static_cast<char>(c);
    if (c == EOF) {
      if (std::ferror(fp.get())) return fail_errno("read " + path);
      eof = true;
      if (physical.empty()) break;
    }
    ++lineno;
    std::string_view body = trim_blanks(physical);
    if (body.empty() || body.front() == '#') continue;
    if (is_blank(physical.front())) {
      if (pending) {
        pending->text += physical;
      } else {
        msg_warn(path + ": logical line must not start with whitespace: \"" + physical + "\"");
      }
      continue;
    }
    if (pending) lines.push_back(std::move(*pending));
    pending = PatternFileLine{physical, lineno};
  }
  if (pending) lines.push_back(std::move(*pending));
  return lines;
}

void PatternWarner::warn(std::string_view text) const {
  msg_warn(type_ + " map " + file_ + ", line " + std::to_string(lineno_) + ": " + std::string(text));
}

std::optional<DelimitedPattern> parse_rule_condition(std::string_view s, bool& negate,
                                                     const PatternWarner& warner) {
  s = strip_negation(s, negate);
  if (s.empty()) {
    warner.warn("no regexp: skipping this rule");
    return std::nullopt;
  }
  if (std::isalnum(static_cast<unsigned char>(s.front()))) {
    warner.warn("ignoring unrecognized request");
    return std::nullopt;
  }
  return parse_delimited_pattern(s, warner);
}

std::optional<DelimitedPattern> parse_delimited_pattern(std::string_view s,
                                                        const PatternWarner& warner) {
  const char delim = s.front();
  std::size_t i = 1;
  std::string pattern;
  for (; i < s.size() && s[i] != delim; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) pattern += s[i++];
    pattern += s[i];
  }
  if (i >= s.size()) {
    warner.warn(std::string("no closing regexp delimiter \"") + delim + "\": skipping this rule");
    return std::nullopt;
  }
  ++i;
  std::size_t flags_end = i;
  while (flags_end < s.size() && !is_blank(s[flags_end])) ++flags_end;
  return DelimitedPattern{std::move(pattern), std::string(s.substr(i, flags_end - i)),
                          s.substr(flags_end)};
}

std::optional<Replacement> Replacement::parse(std::string_view raw, std::size_t groups,
                                              bool negated, Flavor flavor,
                                              const PatternWarner& warner) {
  std::string_view text = trim_blanks(raw);
  Replacement r;
  if (text.empty()) {
    warner.warn("no replacement text: using empty string");
    return r;
  }
  auto bad_syntax = [&]() -> std::optional<Replacement> {
    warner.warn("bad replacement syntax: skipping this rule");
    return std::nullopt;
  };
  std::string literal;
  std::size_t first_out_of_range = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      literal += text[i++];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      i += 2;
      continue;
    }
    std::string_view name;
    std::size_t next;
    if (i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '(')) {
      const char close = text[i + 1] == '{' ? '}' : ')';
      std::size_t end = text.find(close, i + 2);
      if (end == std::string_view::npos) {
        msg_warn("truncated macro reference: \"" + std::string(text) + "\"");
        return bad_syntax();
      }
      name = text.substr(i + 2, end - (i + 2));
      next = end + 1;
    } else {
      std::size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      name = text.substr(i + 1, end - (i + 1));
      next = end;
    }
    if (name.empty()) {
      msg_warn("empty macro name: \"" + std::string(text) + "\"");
      return bad_syntax();
    }
    if (!all_digits(name)) {
      warner.warn("non-numeric replacement index \"" + std::string(name) + "\"");
      return bad_syntax();
    }
    std::size_t index = 0;
    for (char c : name) index = index * 10 + static_cast<std::size_t>(c - '0');
    if (index == 0 || name.size() > 6) {
      warner.warn(std::string(flavor == Flavor::kPcre ? "out of range" : "out-of-range") +
                  " replacement index \"" + std::string(name) + "\"");
      return bad_syntax();
    }
    if (!literal.empty()) r.pieces_.push_back({std::move(literal), 0});
    literal.clear();
    r.pieces_.push_back({std::string(), index});
    if (index > r.max_index_) r.max_index_ = index;
    if (index > groups && first_out_of_range == 0) first_out_of_range = index;
    i = next;
  }
  if (!literal.empty()) r.pieces_.push_back({std::move(literal), 0});
  if (negated && r.max_index_ > 0) {
    warner.warn("$number found in negative match replacement text: skipping this rule");
    return std::nullopt;
  }
  if (first_out_of_range != 0) {
    warner.warn("out of range replacement index \"" + std::to_string(first_out_of_range) +
                "\": skipping this rule");
    return std::nullopt;
  }
  return r;
}

std::string Replacement::expand(const std::function<std::string_view(std::size_t)>& group) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (p.index == 0) {
      out += p.literal;
    } else {
      out += group(p.index);
    }
  }
  return out;
}

std::string_view trim_pattern_blanks(std::string_view s) { return trim_blanks(s); }

std::string_view strip_negation(std::string_view s, bool& negate) {
  while (!s.empty() && s.front() == '!') {
    negate = !negate;
    s.remove_prefix(1);
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  }
  return s;
}

bool starts_with_keyword(std::string_view s, std::string_view keyword) {
  if (s.size() < keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != keyword[i]) return false;
  }
  return s.size() == keyword.size() || !is_name_char(s[keyword.size()]);
}

std::optional<std::size_t> IfNesting::close() {
  if (open_.empty()) return std::nullopt;
  std::size_t index = open_.back().rule_index;
  open_.pop_back();
  return index;
}

void IfNesting::finish(PatternWarner& warner) {
  while (!open_.empty()) {
    warner.set_line(open_.back().lineno);
    warner.warn("IF has no matching ENDIF");
    open_.pop_back();
  }
}

}  // namespace util
