// Composer of delivery status notifications; see bounce_notice.h.
#include "libmail/bounce_notice.h"

namespace mail {

namespace {

constexpr std::size_t kFoldWidth = 78;

void add_folded(std::vector<std::string>& out, std::string_view line) {
  for (auto& piece : fold_line(line, kFoldWidth)) out.push_back(std::move(piece));
}

// How much of the original goes back, and under what name.
struct ReturnedPart {
  const char* description;
  const char* content_type;
  bool headers_only;
};

ReturnedPart returned_part(const NoticeInput& in) {
  std::size_t size = 0;
  for (const auto& line : in.original) size += line.size() + 1;
  bool too_big = in.bounce_size_limit > 0 && size > static_cast<std::size_t>(in.bounce_size_limit);
  switch (in.kind) {
    case NoticeKind::kFailure:
      if (in.headers_only || in.dsn_ret == kDsnRetHdrs || too_big) {
        return {"Undelivered Message Headers", "text/rfc822-headers", true};
      }
      return {"Undelivered Message", "message/rfc822", false};
    case NoticeKind::kDelay:
      return {"Undelivered Message Headers", "text/rfc822-headers", true};
    case NoticeKind::kSuccess:
    case NoticeKind::kVerify:
      break;
  }
  return {"Message Headers", "text/rfc822-headers", true};
}

}  // namespace

std::vector<std::string> fold_line(std::string_view line, std::size_t width) {
  std::vector<std::string> out;
  std::string prefix;
  while (true) {
    // Room left on this output line once the indent is counted.
    std::size_t room = width > prefix.size() ? width - prefix.size() : 1;
    if (line.size() <= room) break;
    auto cut = line.rfind(' ', room);
    if (cut == std::string_view::npos || cut == 0) {
      cut = line.find(' ', room);
      if (cut == std::string_view::npos) break;
    }
    out.push_back(prefix + std::string(line.substr(0, cut)));
    line.remove_prefix(cut);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    prefix = "    ";
    if (line.empty()) return out;
  }
  out.push_back(prefix + std::string(line));
  return out;
}

std::string notice_recipient_text(const BounceLogEntry& e) {
  std::string text = "<" + e.recipient + ">";
  if (!e.orig_rcpt.empty() && e.orig_rcpt != e.recipient) {
    text += " (expanded from <" + e.orig_rcpt + ">)";
  }
  return text + ": " + e.reason;
}

std::vector<std::string> compose_notice(const NoticeInput& in) {
  std::vector<std::string> out;
  const std::string boundary =
      in.queue_id + "." + std::to_string(static_cast<long long>(in.now)) + "/" + in.myhostname;

  // Headers in Postfix's order; cleanup appends Message-Id after them.
  out.push_back("Received: by " + in.myhostname + " (" + in.mail_name + ")");
  out.push_back("\tid " + in.new_queue_id + "; " + in.now_date);
  out.push_back("Date: " + in.now_date);
  out.push_back("From: Mail Delivery System <MAILER-DAEMON@" + in.myhostname + ">");
  out.push_back("Subject: " + in.subject);
  out.push_back("To: " + in.to);
  out.push_back("Auto-Submitted: auto-replied");
  out.push_back("MIME-Version: 1.0");
  out.push_back("Content-Type: multipart/report; report-type=delivery-status;");
  out.push_back("\tboundary=\"" + boundary + "\"");
  out.push_back("Content-Transfer-Encoding: 8bit");
  out.push_back("");
  out.push_back("This is a MIME-encapsulated message.");
  out.push_back("");

  // Part 1: the template text and one paragraph per recipient.
  out.push_back("--" + boundary);
  out.push_back("Content-Description: Notification");
  out.push_back("Content-Type: text/plain; charset=utf-8");
  out.push_back("Content-Transfer-Encoding: 8bit");
  out.push_back("");
  for (const auto& line : in.text) out.push_back(line);
  out.push_back("");
  for (const auto& e : in.entries) {
    add_folded(out, notice_recipient_text(e));
    out.push_back("");
  }

  // Part 2: machine-readable per-message and per-recipient fields.
  out.push_back("--" + boundary);
  out.push_back("Content-Description: Delivery report");
  out.push_back("Content-Type: message/delivery-status");
  out.push_back("");
  out.push_back("Reporting-MTA: dns; " + in.myhostname);
  if (!in.dsn_envid.empty()) out.push_back("Original-Envelope-Id: " + in.dsn_envid);
  out.push_back("X-Postfix-Queue-ID: " + in.queue_id);
  out.push_back("X-Postfix-Sender: rfc822; " + in.sender);
  out.push_back("Arrival-Date: " + in.arrival_date);
  out.push_back("");
  for (const auto& e : in.entries) {
    out.push_back("Final-Recipient: rfc822; " + e.recipient);
    if (!e.dsn_orig_rcpt.empty()) {
      out.push_back("Original-Recipient: " + e.dsn_orig_rcpt);
    } else if (!e.orig_rcpt.empty()) {
      out.push_back("Original-Recipient: rfc822; " + e.orig_rcpt);
    }
    out.push_back("Action: " + e.action);
    out.push_back("Status: " + e.status);
    if (!e.mta_type.empty() && !e.mta_mname.empty()) {
      out.push_back("Remote-MTA: " + e.mta_type + "; " + e.mta_mname);
    }
    if (!e.diag_type.empty() && !e.diag_text.empty()) {
      add_folded(out, "Diagnostic-Code: " + e.diag_type + "; " + e.diag_text);
    } else {
      add_folded(out, "Diagnostic-Code: X-Postfix; " + e.reason);
    }
    if (in.kind == NoticeKind::kDelay && !in.retry_until_date.empty()) {
      out.push_back("Will-Retry-Until: " + in.retry_until_date);
    }
    out.push_back("");
  }

  // Part 3: the original message or its headers.
  ReturnedPart part = returned_part(in);
  out.push_back("--" + boundary);
  out.push_back(std::string("Content-Description: ") + part.description);
  out.push_back(std::string("Content-Type: ") + part.content_type);
  out.push_back("Content-Transfer-Encoding: 8bit");
  out.push_back("");
  out.push_back("Return-Path: <" + in.sender + ">");
  for (const auto& line : in.original) {
    if (part.headers_only && line.empty()) break;
    out.push_back(line);
  }
  out.push_back("");
  out.push_back("--" + boundary + "--");
  return out;
}

}  // namespace mail
