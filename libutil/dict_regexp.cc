#include "libutil/dict_regexp.h"

#include <regex.h>

#include <cctype>

#include <limits>
#include <memory>
#include <vector>

#include "libutil/dict_pattern.h"
#include "libutil/strings.h"

namespace util {
namespace {

// One compiled regex_t, freed exactly once.
class PosixRegex {
 public:
  PosixRegex() = default;
  PosixRegex(const PosixRegex&) = delete;
  PosixRegex& operator=(const PosixRegex&) = delete;
  ~PosixRegex() {
    if (compiled_) regfree(&re_);
  }

  // On failure returns regerror()'s text ("Unmatched ( or \\(").
  std::optional<std::string> compile(const std::string& pattern, int cflags) {
    int rc = regcomp(&re_, pattern.c_str(), cflags);
    if (rc != 0) {
      char buf[256];
      regerror(rc, &re_, buf, sizeof buf);
      return std::string(buf);
    }
    compiled_ = true;
    return std::nullopt;
  }
  std::size_t groups() const { return re_.re_nsub; }
  const regex_t* get() const { return &re_; }

 private:
  regex_t re_{};
  bool compiled_ = false;
};

enum class RuleKind { kMatch, kIf };

struct Rule {
  RuleKind kind = RuleKind::kMatch;
  std::unique_ptr<PosixRegex> re;
  bool negate = false;
  Replacement result;
  // kIf: index of the first rule after the block.
  std::size_t block_end = std::numeric_limits<std::size_t>::max();
};

class RegexpDict final : public Dict {
 public:
  RegexpDict(std::string name, std::vector<Rule> rules)
      : Dict("regexp", std::move(name)), rules_(std::move(rules)) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    const std::string subject(key);
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      const bool want_groups = rule.kind == RuleKind::kMatch && rule.result.has_groups();
      std::vector<regmatch_t> m(want_groups ? rule.re->groups() + 1 : 0);
      int rc = regexec(rule.re->get(), subject.c_str(), m.size(), m.empty() ? nullptr : m.data(), 0);
      if (rc != 0 && rc != REG_NOMATCH) {
        char buf[256];
        regerror(rc, rule.re->get(), buf, sizeof buf);
        return fail("regexp map " + name() + ": " + buf);
      }
      const bool matched = (rc == 0) != rule.negate;
      if (rule.kind == RuleKind::kIf) {
        if (!matched) {
          if (rule.block_end >= rules_.size()) break;
          i = rule.block_end - 1;
        }
        continue;
      }
      if (!matched) continue;
      return rule.result.expand([&](std::size_t n) -> std::string_view {
        if (n >= m.size() || m[n].rm_so < 0) return {};
        return std::string_view(subject).substr(static_cast<std::size_t>(m[n].rm_so),
                                                static_cast<std::size_t>(m[n].rm_eo - m[n].rm_so));
      });
    }
    return std::optional<std::string>();
  }

 private:
  std::vector<Rule> rules_;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

// "[!]/pattern/flags" at the start of `s`; compiles it into `rule`.
// Returns the text after the flags, or nullopt after a warning.
std::optional<std::string_view> parse_condition(std::string_view s, Rule& rule,
                                                const PatternWarner& warner) {
  s = strip_negation(s, rule.negate);
  if (s.empty()) {
    warner.warn("no regexp: skipping this rule");
    return std::nullopt;
  }
  if (std::isalnum(static_cast<unsigned char>(s.front()))) {
    warner.warn("ignoring unrecognized request");
    return std::nullopt;
  }
  auto parsed = parse_delimited_pattern(s, warner);
  if (!parsed) return std::nullopt;
  int cflags = REG_EXTENDED | REG_ICASE;
  for (char f : parsed->flags) {
    switch (f) {
      case 'i': cflags ^= REG_ICASE; break;
      case 'm': cflags ^= REG_NEWLINE; break;
      case 'x': cflags ^= REG_EXTENDED; break;
      default:
        warner.warn(std::string("unknown regexp option \"") + f + "\": skipping this rule");
        return std::nullopt;
    }
  }
  rule.re = std::make_unique<PosixRegex>();
  if (auto err = rule.re->compile(parsed->pattern, cflags)) {
    warner.warn(*err);
    return std::nullopt;
  }
  return parsed->rest;
}

}  // namespace

Result<std::unique_ptr<Dict>> open_regexp_dict(std::string_view name,
                                               const DictOpenOptions& options) {
  if (options.create) {
    return fail("unsupported dictionary type: regexp does not support bulk-mode creation.");
  }
  const std::string file(name);
  auto lines = read_pattern_file(file);
  if (!lines) return std::unexpected(lines.error());

  PatternWarner warner("regexp", file);
  IfNesting nesting;
  std::vector<Rule> rules;
  for (const PatternFileLine& line : *lines) {
    warner.set_line(line.lineno);
    std::string_view text = line.text;
    if (starts_with_keyword(text, "endif")) {
      if (!trim(text.substr(5)).empty()) warner.warn("ignoring extra text after ENDIF");
      auto opened = nesting.close();
      if (!opened) {
        warner.warn("ignoring ENDIF without matching IF");
        continue;
      }
      rules[*opened].block_end = rules.size();
      continue;
    }
    if (starts_with_keyword(text, "if")) {
      Rule rule;
      rule.kind = RuleKind::kIf;
      auto rest = parse_condition(skip_blanks(text.substr(2)), rule, warner);
      if (!rest) continue;
      std::string_view extra = trim(*rest);
      if (!extra.empty()) {
        warner.warn("ignoring extra text after IF statement: \"" + std::string(extra) + "\"");
        warner.warn("do not prepend whitespace to statements between IF and ENDIF");
      }
      nesting.open(rules.size(), line.lineno);
      rules.push_back(std::move(rule));
      continue;
    }
    Rule rule;
    auto rest = parse_condition(text, rule, warner);
    if (!rest) continue;
    auto result = Replacement::parse(*rest, rule.re->groups(), rule.negate,
                                     Replacement::Flavor::kRegexp, warner);
    if (!result) continue;
    rule.result = std::move(*result);
    rules.push_back(std::move(rule));
  }
  nesting.finish(warner);
  return std::make_unique<RegexpDict>(file, std::move(rules));
}

}  // namespace util
