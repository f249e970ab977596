// The actions of header_checks, mime_header_checks, nested_header_checks
// and body_checks (Postfix header_checks(5)): parsing a table's answer and
// the log line cleanup writes for it. Users: cleanup (cleanup_process).
// Easy to get wrong: the action word is case-insensitive and its text is
// optional for REJECT/HOLD/DISCARD/WARN but required for PREPEND, REPLACE,
// REDIRECT, FILTER and BCC (without it the action is ignored with a
// warning); the log line cuts the matched text at 200 bytes, and REJECT
// text gets a "5.7.1" status code in front unless it has one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace mail {

enum class CheckAction {
  kDunno,  // DUNNO, OK, or no match
  kReject,
  kDefer,
  kWarn,
  kHold,
  kDiscard,
  kIgnore,
  kPrepend,
  kReplace,
  kRedirect,
  kFilter,
  kBcc,
  kUnknown,
};

struct CheckVerdict {
  CheckAction action = CheckAction::kDunno;
  std::string text;  // the rest of the table value, trimmed
  std::string word;  // the word the log uses: the action in lower case ("hold"),
                     // "warning" for WARN
};

CheckVerdict parse_check_action(std::string_view value);

// Search tables in order; the first match decides. Errors are table errors
// (the message must wait, never be bounced).
util::Result<std::optional<CheckVerdict>> check_tables(
    const std::vector<std::unique_ptr<util::Dict>>& tables, std::string_view text);

// "5.7.1 text" unless text starts with a DSN status already.
std::string dsn_prepend(std::string_view dsn, std::string_view text);

// What the log says after "ID: ": "hold: header Subject: x from local;
// from=<s> to=<r>[ proto=P helo=<H>][: text]". `where` is "header" or
// "body"; `origin` "local" or "host[addr]"; to is left out when empty.
struct CheckLogContext {
  std::string origin = "local";
  std::string sender;
  std::optional<std::string> recipient;
  std::string protocol;  // log_protocol_name, smtpd only
  std::string helo;      // log_helo_name, smtpd only
};
std::string format_check_log(std::string_view word, std::string_view where,
                             std::string_view matched, const CheckLogContext& context,
                             std::string_view text);

}  // namespace mail
