#include "libutil/dict_cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <memory>
#include <vector>

#include "libutil/dict_pattern.h"
#include "libutil/strings.h"

namespace util {

bool CidrNet::contains(const CidrNet& addr) const {
  if (addr.family != family) return false;
  int bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((addr.bytes[i] & mask) != (bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<CidrNet> parse_ip_address(std::string_view text) {
  CidrNet net;
  const std::string s(text);
  if (s.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, s.c_str(), net.bytes.data()) != 1) return std::nullopt;
    net.family = AF_INET6;
    net.prefix = 128;
  } else {
    if (inet_pton(AF_INET, s.c_str(), net.bytes.data()) != 1) return std::nullopt;
    net.family = AF_INET;
    net.prefix = 32;
  }
  return net;
}

std::optional<CidrNet> parse_cidr_pattern(std::string_view text, std::string* complaint) {
  std::string plain(text);
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      *complaint = "missing ']' character after \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    std::string_view after = text.substr(close + 1);
    if (!after.empty() && after.front() != '/') {
      *complaint = "garbage after \"" + std::string(text.substr(0, close + 1)) + "\"";
      return std::nullopt;
    }
    plain = std::string(text.substr(1, close - 1)) + std::string(after);
  }
  std::size_t slash = plain.find('/');
  if (slash == std::string::npos) {
    auto addr = parse_ip_address(plain);
    if (!addr) *complaint = "bad address pattern: \"" + plain + "\"";
    return addr;
  }
  std::string_view mask = std::string_view(plain).substr(slash + 1);
  bool digits = !mask.empty() && mask.size() <= 9;
  for (char c : mask) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    *complaint = "bad mask value in \"" + plain + "\"";
    return std::nullopt;
  }
  auto net = parse_ip_address(std::string_view(plain).substr(0, slash));
  if (!net) {
    *complaint = "bad network value in \"" + plain + "\"";
    return std::nullopt;
  }
  const int len = std::stoi(std::string(mask));
  if (len > net->prefix) {
    *complaint = "bad mask length in \"" + plain + "\"";
    return std::nullopt;
  }
  net->prefix = len;
  CidrNet masked;
  masked.family = net->family;
  masked.prefix = len;
  for (int bit = 0; bit < len; ++bit) {
    const std::uint8_t b = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    masked.bytes[bit / 8] |= net->bytes[bit / 8] & b;
  }
  if (masked.bytes != net->bytes) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(masked.family, masked.bytes.data(), buf, sizeof buf);
    *complaint = "non-null host address bits in \"" + plain + "\", perhaps you should use \"" +
                 buf + "/" + std::to_string(len) + "\" instead";
    return std::nullopt;
  }
  return net;
}

namespace {

struct Rule : PatternRule {
  CidrNet net;
  std::string result;  // literal: cidr tables have no $N substitution
};

class CidrDict final : public Dict {
 public:
  CidrDict(std::string name, std::vector<Rule> rules)
      : Dict("cidr", std::move(name)), rules_(std::move(rules)) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    auto addr = parse_ip_address(key);
    if (!addr) return std::optional<std::string>();
    // A rule for the other address family never matches, negated or not:
    // report "no match" in a way negation cannot flip.
    auto found = first_matching_rule(rules_, [&](const Rule& rule) -> Result<bool> {
      if (rule.net.family != addr->family) return rule.negate;
      return rule.net.contains(*addr);
    });
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::optional<std::string>();
    return std::optional<std::string>(rules_[**found].result);
  }

 private:
  std::vector<Rule> rules_;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

// "[!]pattern" at the start of `s` into `rule`; `whole` takes the rest of
// the text as the pattern (IF lines). Returns the text after the pattern.
std::optional<std::string_view> parse_condition(std::string_view s, bool whole, Rule& rule,
                                                const PatternWarner& warner) {
  s = strip_negation(s, rule.negate);
  if (s.empty()) {
    warner.warn("no address pattern: skipping this rule");
    return std::nullopt;
  }
  std::size_t end = s.size();
  if (!whole) {
    end = 0;
    while (end < s.size() && !is_blank(s[end])) ++end;
  }
  std::string complaint;
  auto net = parse_cidr_pattern(trim(s.substr(0, end)), &complaint);
  if (!net) {
    warner.warn(complaint + ": skipping this rule");
    return std::nullopt;
  }
  rule.net = *net;
  return s.substr(end);
}

}  // namespace

Result<std::unique_ptr<Dict>> open_cidr_dict(std::string_view name,
                                             const DictOpenOptions& options) {
  if (options.create) {
    return fail("unsupported dictionary type: cidr does not support bulk-mode creation.");
  }
  const std::string file(name);
  auto lines = read_pattern_file(file);
  if (!lines) return std::unexpected(lines.error());

  PatternWarner warner("cidr", file);
  IfNesting nesting;
  std::vector<Rule> rules;
  for (const PatternFileLine& line : *lines) {
    warner.set_line(line.lineno);
    std::string_view text = trim(line.text);
    if (starts_with_keyword(text, "endif")) {
      if (!trim(text.substr(5)).empty()) {
        warner.warn("garbage after ENDIF: skipping this rule");
        continue;
      }
      auto opened = nesting.close();
      if (!opened) {
        warner.warn("ENDIF without IF: skipping this rule");
        continue;
      }
      rules[*opened].block_end = rules.size();
      continue;
    }
    Rule rule;
    rule.lineno = line.lineno;
    if (starts_with_keyword(text, "if") && (text.size() == 2 || is_blank(text[2]))) {
      rule.is_if = true;
      if (!parse_condition(skip_blanks(text.substr(2)), true, rule, warner)) continue;
      nesting.open(rules.size(), line.lineno);
      rules.push_back(std::move(rule));
      continue;
    }
    auto rest = parse_condition(text, false, rule, warner);
    if (!rest) continue;
    rule.result = std::string(trim(*rest));
    if (rule.result.empty()) {
      warner.warn("no lookup result: skipping this rule");
      continue;
    }
    rules.push_back(std::move(rule));
  }
  nesting.finish(warner);
  return std::make_unique<CidrDict>(file, std::move(rules));
}

}  // namespace util
