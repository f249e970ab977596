// Reply and log text of the restriction engine: enhanced status codes
// taken from access-table text ("5.7.1 text"), the sender/recipient fix-up
// of address status codes, and the "NOQUEUE: reject: RCPT from ..." line.
// User: restriction_engine.cc. Pure functions except dsn_fix's info line.
// Easy to get wrong: the enhanced code's first digit always follows the
// SMTP code (a 450 with "5.7.1" goes out as 4.7.1); a status "X.1.Y" is
// about an address and is rewritten when it does not fit what is rejected
// (a HELO name gets X.0.0); the log line lists from=/to=/helo= only when
// the session has them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "smtpd/smtpd_state.h"

namespace smtpd {

// What each list rejects, as Postfix words it ("Recipient address rejected").
inline constexpr std::string_view kClassClient = "Client host";
inline constexpr std::string_view kClassReverseClient = "Unverified Client host";
inline constexpr std::string_view kClassHelo = "Helo command";
inline constexpr std::string_view kClassSender = "Sender address";
inline constexpr std::string_view kClassRecipient = "Recipient address";
inline constexpr std::string_view kClassEtrn = "Etrn command";
inline constexpr std::string_view kClassData = "Data command";
inline constexpr std::string_view kClassEod = "End-of-data";

// "d.ddd.ddd" with d in 2, 4 or 5, ending at a blank or the end.
bool dsn_valid(std::string_view text);

struct DsnSplit {
  std::string dsn;
  std::string text;
};
// A leading valid status in `text` is split off; otherwise `default_dsn`.
DsnSplit dsn_split(std::string_view default_dsn, std::string_view text);

// Postfix's smtpd_dsn_fix: fit an address status (X.1.Y) to what is rejected.
std::string dsn_fix(std::string_view status, std::string_view reply_class);

// Make a reply from code, status and text as smtpd_check_reject does: bad
// codes become "450 4.7.1 Service unavailable" (with a warning), the text is
// cut to fit 510 bytes, non-printable bytes become blanks, soft_bounce turns
// 5xx into 4xx, and the status's class digit follows the code.
SmtpReply make_reply(int code, std::string_view dsn, std::string_view text, bool soft_bounce);

// "NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 ...; from=<s> to=<r>
// proto=ESMTP helo=<h>" (QID for NOQUEUE once session.queue_id is set).
// `recipient` is passed apart because DATA with several recipients logs none.
// `esmtp`: the protocol of the last accepted HELO/EHLO ("proto=ESMTP"),
// which during an EHLO that is being refused is still the old one.
std::string whatsup_line(const Session& session, std::string_view whatsup, std::string_view where,
                         std::string_view text, const std::string* recipient, bool esmtp);

// RBL reply templates (default_rbl_reply, rbl_reply_maps): $name, ${name},
// ${name?text} (text when name is non-empty), ${name:text} (otherwise).
// `lookup` answers nullopt for unknown names, which expand to nothing.
std::string expand_template(
    std::string_view tpl,
    const std::function<std::optional<std::string>(std::string_view)>& lookup);

}  // namespace smtpd
