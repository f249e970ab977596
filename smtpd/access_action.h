// smtpd access-table results: what a value found in a check_*_access table
// (or a policy server's "action=") means: OK, REJECT text, 4xx/5xx text,
// DUNNO, HOLD, DISCARD, REDIRECT, FILTER, PREPEND, BCC, WARN, INFO,
// DEFER_IF_PERMIT/DEFER_IF_REJECT, or a list of restrictions (a class name).
// User: the restriction engine (restriction_engine.cc). Pure: no I/O.
// Easy to get wrong: Postfix tests the words in a fixed order, so "554"
// alone (no text) is all digits and therefore OK, while "554 text" is a
// reject; only the first word is case-insensitive; a value holding ':' is
// a lookup table, which access tables may not name (configuration error).
#pragma once

#include <string>
#include <string_view>

namespace smtpd {

enum class AccessVerb {
  kDunno,
  kOk,              // OK, RELAY, all digits
  kReject,          // REJECT [text]
  kDefer,           // DEFER [text]
  kReply,           // 4xx/5xx text
  kDeferIfPermit,   // DEFER_IF_PERMIT [text]
  kDeferIfReject,   // DEFER_IF_REJECT [text]
  kWarn,            // WARN [text]
  kInfo,            // INFO [text]
  kHold,            // HOLD [text]
  kDiscard,         // DISCARD [text]
  kRedirect,        // REDIRECT user@domain
  kBcc,             // BCC user@domain
  kFilter,          // FILTER transport:destination
  kPrepend,         // PREPEND header: value
  kTableReference,  // contains ':' (not allowed)
  kRestrictions,    // anything else: restriction names (classes)
};

struct AccessAction {
  AccessVerb verb = AccessVerb::kDunno;
  std::string word;  // the first word as written ("REJECT", "554")
  int code = 0;      // kReply: the SMTP code
  std::string text;  // what follows the first word, leading blanks removed
};

AccessAction parse_access_action(std::string_view value);

}  // namespace smtpd
