#include "libutil/dict_pcre.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>
#include <limits>
#include <memory>
#include <vector>

#include "libutil/dict_pattern.h"
#include "libutil/log.h"
#include "libutil/strings.h"

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

enum class RuleKind { kMatch, kIf };

struct Rule {
  RuleKind kind = RuleKind::kMatch;
  Code code;
  std::size_t groups = 0;
  bool negate = false;
  Replacement result;
  int lineno = 0;
  std::size_t block_end = std::numeric_limits<std::size_t>::max();
};

class PcreDict final : public Dict {
 public:
  PcreDict(std::string name, std::vector<Rule> rules)
      : Dict("pcre", std::move(name)), rules_(std::move(rules)) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      MatchData data(pcre2_match_data_create_from_pattern(rule.code.get(), nullptr));
      if (!data) return fail("pcre map " + name() + ": out of memory");
      int rc = pcre2_match(rule.code.get(), reinterpret_cast<PCRE2_SPTR>(key.data()), key.size(),
                           0, 0, data.get(), nullptr);
      if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        // A pattern that cannot finish (match limit) only costs this rule,
        // as in Postfix: the table stays usable.
        msg_warn("pcre map " + name() + ", line " + std::to_string(rule.lineno) +
                 ": matching error " + std::to_string(rc));
        continue;
      }
      const bool matched = (rc >= 0) != rule.negate;
      if (rule.kind == RuleKind::kIf) {
        if (!matched) {
          if (rule.block_end >= rules_.size()) break;
          i = rule.block_end - 1;
        }
        continue;
      }
      if (!matched) continue;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
      const std::size_t pairs = pcre2_get_ovector_count(data.get());
      return rule.result.expand([&](std::size_t n) -> std::string_view {
        if (rc < 0 || n >= pairs || ov[2 * n] == PCRE2_UNSET) return {};
        return key.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
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
    Rule rule;
    rule.lineno = line.lineno;
    if (starts_with_keyword(text, "if")) {
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
    auto rest = parse_condition(text, rule, warner);
    if (!rest) continue;
    auto result = Replacement::parse(*rest, rule.groups, rule.negate, Replacement::Flavor::kPcre,
                                     warner);
    if (!result) continue;
    rule.result = std::move(*result);
    rules.push_back(std::move(rule));
  }
  nesting.finish(warner);
  return std::make_unique<PcreDict>(file, std::move(rules));
}

}  // namespace util
