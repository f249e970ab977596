// Macro expansion for parameter values (see expand.h for the forms).
// The parser works on string_views of the original text, so an error can
// quote the text around the failure the way Postfix does ("...a}>>>x").
#include "libconf/expand.h"

#include <array>
#include <cctype>

#include "libutil/log.h"

namespace conf {
namespace {

constexpr size_t kContextAfter = 20;  // characters Postfix quotes after ">>>"

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

std::string_view rstrip(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Index of the bracket closing the one at `open_pos`, npos when unbalanced.
size_t find_close(std::string_view s, size_t open_pos) {
  char open = s[open_pos];
  char close = open == '{' ? '}' : ')';
  int level = 0;
  for (size_t i = open_pos; i < s.size(); ++i) {
    if (s[i] == open) ++level;
    if (s[i] == close && --level == 0) return i;
  }
  return std::string_view::npos;
}

std::unexpected<util::Error> fail_at(std::string_view what, std::string_view before,
                                     std::string_view after) {
  return util::fail_kind(util::ErrorKind::kMalformed, std::string(what) + " at: \"..." + std::string(before) + ">>>" +
                    std::string(after.substr(0, kContextAfter)) + "\"");
}

std::unexpected<util::Error> fail_quoted(std::string_view what, std::string_view text) {
  return util::fail_kind(util::ErrorKind::kMalformed, std::string(what) + ": \"" + std::string(text) + "\"");
}

// Digit strings compared as numbers of any length.
int compare_digits(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A compatibility level: major[.minor[.patch]], each all digits.
util::Result<std::array<std::string, 3>> parse_level(std::string_view s) {
  std::array<std::string, 3> parts = {"0", "0", "0"};
  size_t n = 0;
  std::string_view rest = s;
  for (;;) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    if (n == 3 || !all_digits(part)) return fail_quoted("malformed compatibility level syntax", s);
    parts[n++] = std::string(part);
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  return parts;
}

struct Branches {
  std::string_view first;
  std::optional<std::string_view> second;
};

class Expander {
 public:
  explicit Expander(const ExpandContext& context) : context_(context) {}

  util::Result<void> text(std::string_view t, int depth, std::string& out) {
    if (depth > kMaxMacroNesting && !t.empty()) return nesting_error(t);
    size_t i = 0;
    while (i < t.size()) {
      size_t dollar = t.find('$', i);
      if (dollar == std::string_view::npos) {
        out += t.substr(i);
        break;
      }
      out += t.substr(i, dollar - i);
      i = dollar;
      if (i + 1 < t.size() && t[i + 1] == '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (i + 1 < t.size() && (t[i + 1] == '{' || t[i + 1] == '(')) {
        size_t close = find_close(t, i + 1);
        if (close == std::string_view::npos) return fail_quoted("truncated macro reference", t);
        auto r = payload(t.substr(i + 2, close - i - 2), t, depth, out);
        if (!r) return r;
        i = close + 1;
        continue;
      }
      size_t end = i + 1;
      while (end < t.size() && is_name_char(t[end])) ++end;
      if (end == i + 1) return fail_quoted("empty macro name", t);
      auto r = substitute(t.substr(i + 1, end - i - 1), depth, out);
      if (!r) return r;
      i = end;
    }
    return {};
  }

 private:
  // The value of a parameter, or nullopt (and the undefined callback).
  std::optional<std::string> lookup(std::string_view name) {
    std::optional<std::string> value;
    if (dry_) return std::string();
    if (context_.lookup) value = context_.lookup(name);
    if (!value && context_.on_undefined) context_.on_undefined(name);
    return value;
  }

  util::Result<void> substitute(std::string_view name, int depth, std::string& out) {
    std::optional<std::string> value = lookup(name);
    if (!value) return {};
    return text(*value, depth + 1, out);
  }

  // Postfix names the first piece of the text it refused to expand.
  std::unexpected<util::Error> nesting_error(std::string_view t) {
    std::string_view piece;
    if (t.front() == '$') {
      size_t start = t.size() > 1 && (t[1] == '{' || t[1] == '(') ? 2 : 1;
      size_t end = start;
      while (end < t.size() && is_name_char(t[end])) ++end;
      piece = t.substr(start, end - start);
    } else {
      piece = t.substr(0, t.find('$'));
    }
    return fail_quoted("unreasonable macro call nesting", piece);
  }

  // The inside of ${...} or $(...). `whole` is the text being expanded, for
  // the messages that quote it entirely.
  util::Result<void> payload(std::string_view p, std::string_view whole, int depth,
                             std::string& out) {
    size_t pos = skip_space(p, 0);
    if (pos == p.size()) return fail_quoted("empty macro name", whole);
    if (p[pos] == '{') return relational(p, pos, whole, depth, out);
    size_t name_end = pos;
    while (name_end < p.size() && is_name_char(p[name_end])) ++name_end;
    std::string_view name = p.substr(pos, name_end - pos);
    size_t k = skip_space(p, name_end);
    if (k == p.size()) return substitute(name, depth, out);
    if (p[k] != '?' && p[k] != ':')
      return fail_at("attribute name syntax error", p.substr(0, name_end), p.substr(name_end));
    auto branches = parse_branches(p.substr(k + 1), p[k] == '?', whole);
    if (!branches) return std::unexpected(branches.error());
    std::optional<std::string> value = lookup(name);
    bool set = value && !value->empty();
    return choose(p[k], set, *branches, depth, out);
  }

  // After '?' or ':': "{a}", "{a}:{b}" (only after '?'), "{a}:rest", "rest".
  util::Result<Branches> parse_branches(std::string_view r, bool allow_second,
                                        std::string_view whole) {
    Branches b;
    size_t j = skip_space(r, 0);
    if (j == r.size() || r[j] != '{') {
      b.first = rstrip(r.substr(j));
      return b;
    }
    size_t close = find_close(r, j);
    if (close == std::string_view::npos) return fail_quoted("truncated macro reference", whole);
    b.first = r.substr(j + 1, close - j - 1);
    std::string_view after_first = std::string_view(r.data() + j + 1, close - j);  // "a}"
    size_t k = skip_space(r, close + 1);
    if (k == r.size()) return b;
    if (!allow_second) return fail_at("unexpected input", after_first, r.substr(k));
    if (r[k] != ':') return fail_at("\":\" expected", after_first, r.substr(k));
    size_t m = skip_space(r, k + 1);
    if (m == r.size() || r[m] != '{') {
      b.second = rstrip(r.substr(m));
      return b;
    }
    size_t close2 = find_close(r, m);
    if (close2 == std::string_view::npos) return fail_quoted("truncated macro reference", whole);
    b.second = r.substr(m + 1, close2 - m - 1);
    size_t q = skip_space(r, close2 + 1);
    if (q != r.size())
      return fail_at("unexpected input", r.substr(m + 1, close2 - m), r.substr(q));
    return b;
  }

  // Postfix parses the branch it does not take too, without lookups, and
  // only warns about a syntax error there (the expansion still succeeds).
  util::Result<void> check(std::string_view t, int depth) {
    bool was_dry = dry_;
    dry_ = true;
    std::string ignored;
    auto r = text(t, depth, ignored);
    dry_ = was_dry;
    if (!r && !dry_) util::msg_warn(r.error().message);
    return was_dry ? r : util::Result<void>{};
  }

  util::Result<void> choose(char op, bool condition, const Branches& b, int depth,
                            std::string& out) {
    bool first = op == '?' ? condition : !condition;
    if (auto r = check(first ? (b.second ? *b.second : std::string_view()) : b.first, depth + 1);
        !r)
      return r;
    if (op == '?') {
      if (condition) return text(b.first, depth + 1, out);
      if (b.second) return text(*b.second, depth + 1, out);
      return {};
    }
    if (!condition) return text(b.first, depth + 1, out);
    return {};
  }

  // ${{left} OP {right} ? ... : ...}
  util::Result<void> relational(std::string_view p, size_t pos, std::string_view whole, int depth,
                                std::string& out) {
    size_t lclose = find_close(p, pos);
    if (lclose == std::string_view::npos) return fail_quoted("truncated macro reference", whole);
    std::string_view left = p.substr(pos + 1, lclose - pos - 1);
    size_t k = skip_space(p, lclose + 1);
    size_t o = k;
    while (o < p.size() && (p[o] == '!' || p[o] == '=' || p[o] == '<' || p[o] == '>')) ++o;
    std::string_view op = p.substr(k, o - k);
    size_t word_end = o;
    while (word_end < p.size() && is_name_char(p[word_end])) ++word_end;
    bool level = word_end > o;
    if (level && p.substr(o, word_end - o) != "level")
      return fail_at("bad operator suffix", op, p.substr(o, word_end - o));
    o = word_end;
    if (op != "==" && op != "!=" && op != "<" && op != "<=" && op != ">" && op != ">=")
      return fail_at("\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected",
                     p.substr(pos + 1, lclose - pos), p.substr(k));
    size_t m = skip_space(p, o);
    if (m == p.size() || p[m] != '{')
      return fail_at("\"{expression}\" expected",
                     "{" + std::string(left) + "} " + std::string(p.substr(k, o - k)), p.substr(o));
    size_t rclose = find_close(p, m);
    if (rclose == std::string_view::npos) return fail_quoted("truncated macro reference", whole);
    std::string_view right = p.substr(m + 1, rclose - m - 1);
    size_t q = skip_space(p, rclose + 1);
    if (q < p.size() && p[q] != '?' && p[q] != ':')
      return fail_at("\"?\" or \":\" expected", p.substr(rclose, 1), p.substr(q));
    Branches branches;
    if (q < p.size()) {
      auto parsed = parse_branches(p.substr(q + 1), p[q] == '?', whole);
      if (!parsed) return std::unexpected(parsed.error());
      branches = *parsed;
    }
    std::string left_value;
    std::string right_value;
    if (auto r = text(left, depth + 1, left_value); !r) return r;
    if (auto r = text(right, depth + 1, right_value); !r) return r;
    if (dry_) {
      if (q == p.size()) return {};
      if (auto r = check(branches.first, depth + 1); !r) return r;
      return branches.second ? check(*branches.second, depth + 1) : util::Result<void>{};
    }
    int cmp = 0;
    if (level) {
      auto a = parse_level(left_value);
      if (!a) return std::unexpected(a.error());
      auto b = parse_level(right_value);
      if (!b) return std::unexpected(b.error());
      for (size_t i = 0; i < 3 && cmp == 0; ++i) cmp = compare_digits((*a)[i], (*b)[i]);
    } else if (all_digits(left_value) && all_digits(right_value)) {
      cmp = compare_digits(left_value, right_value);
    } else {
      int c = left_value.compare(right_value);
      cmp = c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    bool result = op == "==" ? cmp == 0
                  : op == "!=" ? cmp != 0
                  : op == "<"  ? cmp < 0
                  : op == "<=" ? cmp <= 0
                  : op == ">"  ? cmp > 0
                               : cmp >= 0;
    if (q == p.size()) return {};
    return choose(p[q], result, branches, depth, out);
  }

  const ExpandContext& context_;
  bool dry_ = false;  // syntax check only: no lookups, no warnings
};

}  // namespace

util::Result<std::string> expand_macros(std::string_view text, const ExpandContext& context) {
  Expander expander(context);
  std::string out;
  auto r = expander.text(text, 0, out);
  if (!r) return std::unexpected(r.error());
  return out;
}

}  // namespace conf
