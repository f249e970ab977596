#include "libutil/dict_regexp.h"

#include <regex.h>

#include <memory>
#include <vector>

#include "libutil/dict_pattern.h"

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
    if (rc != 0) return error_text(rc);
    compiled_ = true;
    return std::nullopt;
  }
  std::string error_text(int rc) const {
    char buf[256];
    regerror(rc, &re_, buf, sizeof buf);
    return buf;
  }
  std::size_t groups() const { return re_.re_nsub; }
  const regex_t* get() const { return &re_; }

 private:
  regex_t re_{};
  bool compiled_ = false;
};

struct Rule : PatternRule {
  std::unique_ptr<PosixRegex> re;
  Replacement result;
};

class RegexpDict final : public Dict {
 public:
  RegexpDict(std::string name, std::vector<Rule> rules)
      : Dict("regexp", std::move(name)), rules_(std::move(rules)) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    const std::string subject(key);
    std::vector<regmatch_t> groups;
    auto found = first_matching_rule(rules_, [&](const Rule& rule) -> Result<bool> {
      // Only a rule that will substitute needs the group offsets.
      const bool want = !rule.is_if && !rule.negate && rule.result.has_groups();
      groups.assign(want ? rule.re->groups() + 1 : 0, regmatch_t{});
      int rc = regexec(rule.re->get(), subject.c_str(), groups.size(),
                       groups.empty() ? nullptr : groups.data(), 0);
      if (rc == 0) return true;
      if (rc == REG_NOMATCH) return false;
      return fail("regexp map " + name() + ", line " + std::to_string(rule.lineno) + ": " +
                  rule.re->error_text(rc));
    });
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::optional<std::string>();
    return rules_[**found].result.expand([&](std::size_t n) -> std::string_view {
      if (n >= groups.size() || groups[n].rm_so < 0) return {};
      return std::string_view(subject).substr(
          static_cast<std::size_t>(groups[n].rm_so),
          static_cast<std::size_t>(groups[n].rm_eo - groups[n].rm_so));
    });
  }

 private:
  std::vector<Rule> rules_;
};

// "[!]/pattern/flags" at the start of `s`, compiled into `rule`. Returns the
// text after the flags, or nullopt after a warning.
std::optional<std::string_view> compile_condition(std::string_view s, Rule& rule,
                                                  const PatternWarner& warner) {
  auto parsed = parse_rule_condition(s, rule.negate, warner);
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
  auto rules = load_regex_rules<Rule>(
      *lines, warner, Replacement::Flavor::kRegexp,
      [&](std::string_view text, Rule& rule) { return compile_condition(text, rule, warner); },
      [](const Rule& rule) { return rule.re->groups(); });
  return std::make_unique<RegexpDict>(file, std::move(rules));
}

}  // namespace util
