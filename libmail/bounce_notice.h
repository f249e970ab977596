// The text of a delivery status notification (RFC 3464 multipart/report) as
// Postfix 3.7's bounce daemon writes it: non-delivery (failure), delay
// warning, success DSN and the sendmail -v/-bv report (compat/delivery.md
// §4). Pure: the bounce daemon gathers the inputs (log entries, the original
// message's lines, dates, template text) and submits the lines through
// cleanup, which adds Message-Id as the last header.
// Easy to get wrong: `Final-Recipient: rfc822; addr` has a space after the
// semicolon but Original-Recipient is the stored dsn_orig_rcpt verbatim;
// long recipient lines and Diagnostic-Code fold at 78 columns with a
// 4-space indent; the returned part is headers only (text/rfc822-headers)
// for delay/success/verify notices, for RET=HDRS and for messages larger
// than bounce_size_limit.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/bounce_client.h"
#include "libmail/bounce_template.h"

namespace mail {

// DSN RET as stored in the queue file (A ret_flags=) and the notice request.
inline constexpr int kDsnRetFull = 1;
inline constexpr int kDsnRetHdrs = 2;

struct NoticeInput {
  NoticeKind kind = NoticeKind::kFailure;
  std::string myhostname;
  std::string mail_name = "Postfix";
  std::string new_queue_id;         // the notice's own ID (Received: header)
  std::string queue_id;             // the original message
  std::string sender;               // the original sender ("" for <>)
  std::string to;                   // To: of the notice
  std::string subject;              // from the template (or its Postmaster-Subject)
  std::vector<std::string> text;    // expanded template text lines
  std::string dsn_envid;
  int dsn_ret = 0;
  long bounce_size_limit = 50000;
  std::time_t now = 0;              // boundary
  std::string now_date;             // mail_date(now)
  std::string arrival_date;         // mail_date(arrival)
  std::string retry_until_date;     // mail_date(arrival + maximal_queue_lifetime), delay only
  // Postmaster copies carry the headers only (Postfix never mails a user's
  // body to the postmaster unasked).
  bool headers_only = false;
  std::vector<BounceLogEntry> entries;
  std::vector<std::string> original;  // the original message lines: headers, "", body
};

// Lines of the notice (headers, empty line, body), without newlines.
std::vector<std::string> compose_notice(const NoticeInput& input);

// Fold at `width` columns on spaces, continuation lines indented by 4
// spaces; a word longer than the width stays whole.
std::vector<std::string> fold_line(std::string_view line, std::size_t width = 78);

// The first line of a recipient's human-readable entry:
// "<rcpt> (expanded from <orig>): reason".
std::string notice_recipient_text(const BounceLogEntry& entry);

}  // namespace mail
