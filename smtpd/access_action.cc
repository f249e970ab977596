// Access-table result parsing (access_action.h).
#include "smtpd/access_action.h"

#include <strings.h>

#include <cctype>

namespace smtpd {
namespace {

bool word_is(std::string_view word, const char* name) {
  return word.size() == std::char_traits<char>::length(name) &&
         strncasecmp(word.data(), name, word.size()) == 0;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

AccessAction parse_access_action(std::string_view value) {
  AccessAction a;
  std::size_t end = value.find_first_of(" \t");
  if (end == std::string_view::npos) end = value.size();
  std::string_view word = value.substr(0, end);
  std::string_view rest = value.substr(end);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    rest.remove_prefix(1);
  a.word = std::string(word);
  a.text = std::string(rest);

  struct Named {
    const char* name;
    AccessVerb verb;
  };
  // Postfix's order of tests.
  static constexpr Named kWords[] = {
      {"DUNNO", AccessVerb::kDunno},
      {"REJECT", AccessVerb::kReject},
      {"DEFER", AccessVerb::kDefer},
      {"INFO", AccessVerb::kInfo},
      {"WARN", AccessVerb::kWarn},
      {"FILTER", AccessVerb::kFilter},
      {"HOLD", AccessVerb::kHold},
      {"DISCARD", AccessVerb::kDiscard},
      {"REDIRECT", AccessVerb::kRedirect},
      {"BCC", AccessVerb::kBcc},
      {"DEFER_IF_PERMIT", AccessVerb::kDeferIfPermit},
      {"DEFER_IF_REJECT", AccessVerb::kDeferIfReject},
      {"PREPEND", AccessVerb::kPrepend},
  };
  for (const auto& w : kWords) {
    if (word_is(word, w.name)) {
      a.verb = w.verb;
      return a;
    }
  }
  if (all_digits(value)) {
    a.verb = AccessVerb::kOk;
    return a;
  }
  if (word.size() == 3 && !rest.empty() && (word[0] == '4' || word[0] == '5') &&
      std::isdigit(static_cast<unsigned char>(word[1])) &&
      std::isdigit(static_cast<unsigned char>(word[2]))) {
    a.verb = AccessVerb::kReply;
    a.code = (word[0] - '0') * 100 + (word[1] - '0') * 10 + (word[2] - '0');
    return a;
  }
  if (word_is(word, "OK") || word_is(word, "RELAY")) {
    a.verb = AccessVerb::kOk;
    return a;
  }
  if (value.find(':') != std::string_view::npos) {
    a.verb = AccessVerb::kTableReference;
    return a;
  }
  a.verb = AccessVerb::kRestrictions;
  return a;
}

}  // namespace smtpd
