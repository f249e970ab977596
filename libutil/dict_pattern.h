// Shared parsing for the pattern tables (regexp:, pcre:, cidr:): logical
// lines, "/pattern/flags" with any delimiter, $N replacement templates and
// IF/ENDIF nesting. Users: dict_regexp.cc, dict_pcre.cc, dict_cidr.cc.
// Easy to get wrong:
//  - a bad rule is skipped with a warning naming "TYPE map FILE, line N";
//    the table still opens. N is the first physical line of the logical line.
//  - continuation lines (leading whitespace) are appended verbatim, even when
//    comment or blank lines sit in between; one with nothing to continue is
//    dropped with a warning.
//  - "$$" is a literal "$"; "$1", "${1}", "$(1)" are groups; anything else
//    after "$" makes the whole rule invalid.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace util {

struct PatternFileLine {
  std::string text;  // logical line, continuations joined, trailing blanks kept
  int lineno = 0;    // first physical line
};

// Reads a pattern table source. Error: "open FILE: reason".
Result<std::vector<PatternFileLine>> read_pattern_file(const std::string& path);

// Builds warnings in the "TYPE map FILE, line N: text" form.
class PatternWarner {
 public:
  PatternWarner(std::string type, std::string file) : type_(std::move(type)), file_(std::move(file)) {}
  void set_line(int lineno) { lineno_ = lineno; }
  int line() const { return lineno_; }
  void warn(std::string_view text) const;

 private:
  std::string type_;
  std::string file_;
  int lineno_ = 0;
};

// "/pattern/flags" at the start of `s` (s[0] is the delimiter). A backslash
// keeps the next character, delimiter included, and stays in the pattern so
// the regex engine sees the escape. `rest` is what follows the flags.
struct DelimitedPattern {
  std::string pattern;
  std::string flags;
  std::string_view rest;
};
// nullopt after warning "no closing regexp delimiter "D": skipping this rule".
std::optional<DelimitedPattern> parse_delimited_pattern(std::string_view s,
                                                        const PatternWarner& warner);

// "[!]/pattern/flags" at the start of a regexp or pcre rule: sets `negate`
// from the "!" marks, then parses the delimited pattern. nullopt after
// Postfix's warning ("no regexp: skipping this rule", "ignoring
// unrecognized request", or the delimiter one).
std::optional<DelimitedPattern> parse_rule_condition(std::string_view s, bool& negate,
                                                     const PatternWarner& warner);

// A lookup result with $N references, checked once at load time.
class Replacement {
 public:
  // Flavour differences between regexp and pcre in the "$0" warning.
  enum class Flavor { kRegexp, kPcre };

  // nullopt after a warning ("... skipping this rule"). `groups` is the
  // number of capture groups of the pattern; `negated` rules may not use
  // $N at all. An empty text is allowed (with a warning), as Postfix does.
  static std::optional<Replacement> parse(std::string_view text, std::size_t groups,
                                          bool negated, Flavor flavor,
                                          const PatternWarner& warner);

  bool has_groups() const { return max_index_ > 0; }
  std::size_t max_index() const { return max_index_; }
  // `group(n)` returns the text of group n (empty when it did not take part).
  std::string expand(const std::function<std::string_view(std::size_t)>& group) const;

 private:
  struct Piece {
    std::string literal;    // used when index == 0
    std::size_t index = 0;  // group number
  };
  std::vector<Piece> pieces_;
  std::size_t max_index_ = 0;
};

// Leading "!" marks (each one toggles, blanks allowed after them) of a
// rule; returns the text after them.
std::string_view strip_negation(std::string_view s, bool& negate);

// `s` without leading and trailing blanks (space, tab, CR, LF, VT, FF).
std::string_view trim_pattern_blanks(std::string_view s);

// True when `s` starts with the keyword (ASCII case-insensitive) and the
// keyword is not the start of a longer word.
bool starts_with_keyword(std::string_view s, std::string_view keyword);

// What every pattern rule has, whatever matches it. An IF rule guards the
// rules up to its ENDIF; `block_end` is the index of the first rule after
// that block (the end of the table when the IF is never closed).
struct PatternRule {
  bool is_if = false;
  bool negate = false;
  int lineno = 0;
  std::size_t block_end = static_cast<std::size_t>(-1);
};

// IF/ENDIF nesting while a table loads: open() on IF, close() on ENDIF.
class IfNesting {
 public:
  void open(std::size_t rule_index, int lineno) { open_.push_back({rule_index, lineno}); }
  // The IF rule closed by this ENDIF, or nullopt when none is open.
  std::optional<std::size_t> close();
  // Warns "IF has no matching ENDIF" for each still open IF, innermost first.
  void finish(PatternWarner& warner);

 private:
  struct Open {
    std::size_t rule_index;
    int lineno;
  };
  std::vector<Open> open_;
};

// The first rule that answers a lookup: walks `rules` (derived from
// PatternRule) in file order, skipping the block of an IF whose test fails.
// `matches(rule)` tells whether the rule's pattern matches the key, before
// negation; an error from it ends the walk.
template <class Rule, class Matches>
Result<std::optional<std::size_t>> first_matching_rule(const std::vector<Rule>& rules,
                                                       Matches&& matches) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    Result<bool> m = matches(rule);
    if (!m) return std::unexpected(m.error());
    const bool hit = *m != rule.negate;
    if (!rule.is_if) {
      if (hit) return std::optional<std::size_t>(i);
      continue;
    }
    if (hit) continue;
    if (rule.block_end >= rules.size()) break;
    i = rule.block_end - 1;  // the loop's ++i lands on the first rule after the block
  }
  return std::optional<std::size_t>();
}

// Loads a regexp:/pcre: style table: IF/ENDIF lines, "[!]/re/flags result"
// rules. `compile(text, rule)` parses "[!]/re/flags" at the start of `text`
// into `rule` (warning itself on failure) and returns the text after the
// flags; `groups(rule)` is the rule's number of capture groups. Rule must
// derive from PatternRule and have a Replacement member `result`.
template <class Rule, class Compile, class Groups>
std::vector<Rule> load_regex_rules(const std::vector<PatternFileLine>& lines,
                                   PatternWarner& warner, Replacement::Flavor flavor,
                                   Compile&& compile, Groups&& groups) {
  IfNesting nesting;
  std::vector<Rule> rules;
  for (const PatternFileLine& line : lines) {
    warner.set_line(line.lineno);
    std::string_view text = line.text;
    if (starts_with_keyword(text, "endif")) {
      if (!trim_pattern_blanks(text.substr(5)).empty()) {
        warner.warn("ignoring extra text after ENDIF");
      }
      if (auto opened = nesting.close()) {
        rules[*opened].block_end = rules.size();
      } else {
        warner.warn("ignoring ENDIF without matching IF");
      }
      continue;
    }
    Rule rule;
    rule.lineno = line.lineno;
    if (starts_with_keyword(text, "if")) {
      rule.is_if = true;
      auto rest = compile(trim_pattern_blanks(text.substr(2)), rule);
      if (!rest) continue;
      std::string_view extra = trim_pattern_blanks(*rest);
      if (!extra.empty()) {
        // Postfix prints both lines for this one mistake.
        warner.warn("ignoring extra text after IF statement: \"" + std::string(extra) + "\"");
        warner.warn("do not prepend whitespace to statements between IF and ENDIF");
      }
      nesting.open(rules.size(), line.lineno);
      rules.push_back(std::move(rule));
      continue;
    }
    auto rest = compile(text, rule);
    if (!rest) continue;
    auto result = Replacement::parse(*rest, groups(rule), rule.negate, flavor, warner);
    if (!result) continue;
    rule.result = std::move(*result);
    rules.push_back(std::move(rule));
  }
  nesting.finish(warner);
  return rules;
}

}  // namespace util
