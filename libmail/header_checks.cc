#include "libmail/header_checks.h"

#include <cctype>

#include "libutil/strings.h"

namespace mail {

namespace {

struct ActionName {
  std::string_view word;
  CheckAction action;
};
constexpr ActionName kActions[] = {
    {"dunno", CheckAction::kDunno},       {"ok", CheckAction::kDunno},
    {"reject", CheckAction::kReject},     {"defer", CheckAction::kDefer},
    {"warn", CheckAction::kWarn},         {"hold", CheckAction::kHold},
    {"discard", CheckAction::kDiscard},   {"ignore", CheckAction::kIgnore},
    {"prepend", CheckAction::kPrepend},   {"replace", CheckAction::kReplace},
    {"redirect", CheckAction::kRedirect}, {"filter", CheckAction::kFilter},
    {"bcc", CheckAction::kBcc},
};

bool is_dsn(std::string_view s) {
  // d.ddd.ddd followed by space or end.
  std::size_t i = 0;
  if (s.empty() || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return false;
  i = 1;
  for (int part = 0; part < 2; ++part) {
    if (i >= s.size() || s[i] != '.') return false;
    std::size_t start = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start || i - start > 3) return false;
  }
  return i == s.size() || s[i] == ' ';
}

}  // namespace

CheckVerdict parse_check_action(std::string_view value) {
  value = util::trim(value);
  std::size_t end = 0;
  while (end < value.size() && value[end] != ' ' && value[end] != '\t') ++end;
  CheckVerdict v;
  v.word = util::lowercase(value.substr(0, end));
  v.text = std::string(util::trim(value.substr(end)));
  v.action = CheckAction::kUnknown;
  for (const auto& a : kActions) {
    if (v.word == a.word) v.action = a.action;
  }
  // The log names WARN "warning:" (observed).
  if (v.action == CheckAction::kWarn) v.word = "warning";
  return v;
}

util::Result<std::optional<CheckVerdict>> check_tables(
    const std::vector<std::unique_ptr<util::Dict>>& tables, std::string_view text) {
  for (const auto& t : tables) {
    auto r = t->lookup(text);
    if (!r) return std::unexpected(r.error());
    if (*r) return parse_check_action(**r);
  }
  return std::optional<CheckVerdict>{};
}

std::string dsn_prepend(std::string_view dsn, std::string_view text) {
  if (is_dsn(text)) return std::string(text);
  return std::string(dsn) + " " + std::string(text);
}

std::string format_check_log(std::string_view word, std::string_view where,
                             std::string_view matched, const CheckLogContext& c,
                             std::string_view text) {
  std::string out = std::string(word) + ": " + std::string(where) + " " +
                    std::string(matched.substr(0, 200)) + " from " + c.origin + ";";
  out += " from=<" + c.sender + ">";
  if (c.recipient) out += " to=<" + *c.recipient + ">";
  if (!c.protocol.empty()) out += " proto=" + c.protocol;
  if (!c.helo.empty()) out += " helo=<" + c.helo + ">";
  if (!text.empty()) out += ": " + std::string(text);
  return out;
}

}  // namespace mail
