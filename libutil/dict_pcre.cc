#include "libutil/dict_pcre.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "libutil/dict_pattern.h"
#include "libutil/log.h"

namespace util {
namespace {

struct CodeFree {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using Code = std::unique_ptr<pcre2_code, CodeFree>;
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataFree>;

struct Rule : PatternRule {
  Code code;
  std::size_t groups = 0;
  Replacement result;
};

class PcreDict final : public Dict {
 public:
  PcreDict(std::string name, std::vector<Rule> rules, MatchData data)
      : Dict("pcre", std::move(name)), rules_(std::move(rules)), data_(std::move(data)) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    int last_rc = 0;
    auto found = first_matching_rule(rules_, [&](const Rule& rule) -> Result<bool> {
      last_rc = pcre2_match(rule.code.get(), reinterpret_cast<PCRE2_SPTR>(key.data()), key.size(),
                            0, 0, data_.get(), nullptr);
      if (last_rc >= 0) return true;
      if (last_rc != PCRE2_ERROR_NOMATCH) {
        // A pattern that cannot finish (match limit) only costs this rule,
        // as in Postfix: the table stays usable.
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(last_rc, buf, sizeof buf);
        msg_warn("pcre map " + name() + ", line " + std::to_string(rule.lineno) +
                 ": matching error: " + reinterpret_cast<const char*>(buf));
      }
      return false;
    });
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::optional<std::string>();
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_.get());
    // A negated rule has no groups (checked at load), so the ovector of the
    // failed match is never read.
    const std::size_t pairs = last_rc > 0 ? static_cast<std::size_t>(last_rc) : 0;
    return rules_[**found].result.expand([&](std::size_t n) -> std::string_view {
      if (n >= pairs || ov[2 * n] == PCRE2_UNSET) return {};
      return key.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
    });
  }

 private:
  std::vector<Rule> rules_;
  // Sized for the rule with the most groups; lookups run one at a time.
  MatchData data_;
};

std::optional<std::string_view> compile_condition(std::string_view s, Rule& rule,
                                                  const PatternWarner& warner) {
  auto parsed = parse_rule_condition(s, rule.negate, warner);
  if (!parsed) return std::nullopt;
  // Postfix's defaults: caseless and dot-matches-newline; each flag toggles.
  uint32_t options = PCRE2_CASELESS | PCRE2_DOTALL;
  for (char f : parsed->flags) {
    switch (f) {
      case 'i': options ^= PCRE2_CASELESS; break;
      case 'm': options ^= PCRE2_MULTILINE; break;
      case 's': options ^= PCRE2_DOTALL; break;
      case 'x': options ^= PCRE2_EXTENDED; break;
      case 'A': options ^= PCRE2_ANCHORED; break;
      case 'E': options ^= PCRE2_DOLLAR_ENDONLY; break;
      case 'U': options ^= PCRE2_UNGREEDY; break;
      case 'X': warner.warn("ignoring obsolete regexp option \"X\""); break;
      default:
        warner.warn(std::string("unknown regexp option \"") + f + "\": skipping this rule");
        return std::nullopt;
    }
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  rule.code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(parsed->pattern.data()),
                                parsed->pattern.size(), options, &error, &offset, nullptr));
  if (!rule.code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(error, buf, sizeof buf);
    warner.warn("error in regex at offset " + std::to_string(offset) + ": " +
                reinterpret_cast<const char*>(buf));
    return std::nullopt;
  }
  uint32_t count = 0;
  pcre2_pattern_info(rule.code.get(), PCRE2_INFO_CAPTURECOUNT, &count);
  rule.groups = count;
  return parsed->rest;
}

}  // namespace

Result<std::unique_ptr<Dict>> open_pcre_dict(std::string_view name,
                                             const DictOpenOptions& options) {
  if (options.create) {
    return fail("unsupported dictionary type: pcre does not support bulk-mode creation.");
  }
  const std::string file(name);
  auto lines = read_pattern_file(file);
  if (!lines) return std::unexpected(lines.error());

  PatternWarner warner("pcre", file);
  auto rules = load_regex_rules<Rule>(
      *lines, warner, Replacement::Flavor::kPcre,
      [&](std::string_view text, Rule& rule) { return compile_condition(text, rule, warner); },
      [](const Rule& rule) { return rule.groups; });
  std::size_t most_groups = 0;
  for (const Rule& rule : rules) most_groups = std::max(most_groups, rule.groups);
  MatchData data(pcre2_match_data_create(static_cast<uint32_t>(most_groups + 1), nullptr));
  if (!data) return fail("pcre map " + file + ": out of memory");
  return std::make_unique<PcreDict>(file, std::move(rules), std::move(data));
}

}  // namespace util
