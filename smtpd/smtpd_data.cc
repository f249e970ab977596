// DATA and BDAT: reading the message, the Received: header on top, the
// end-of-data restrictions and the verdict of cleanup (or postdrop).
//
// SMTP smuggling: the message ends only at <CR><LF>.<CR><LF>. A bare LF
// still ends a content line (as Postfix 3.7 with its default
// smtpd_forbid_bare_newline = no), but a "." line that ends in a bare LF,
// or that follows a line ending in a bare LF, is message content; a bare CR
// is content too. So no client can end a message early or start a second
// one that a receiver with other rules would not see.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

#include "libmail/mail_date.h"
#include "libmail/record.h"
#include "libutil/log.h"
#include "smtpd/received_header.h"
#include "smtpd/smtpd_command.h"
#include "smtpd/smtpd_session.h"

namespace smtpd {

namespace rec = mail::rec;

namespace {
constexpr size_t kBdatBlock = 65536;
}

void Engine::put_line(std::string_view text, bool partial) {
  data_size_ += static_cast<long long>(text.size()) + (partial ? 0 : 2);
  if (set_.message_size_limit > 0 && data_size_ > set_.message_size_limit) too_big_ = true;
  if (too_big_ || write_failed_ || !mail_stream_) return;
  if (!mail_stream_->write_record(partial ? rec::kCont : rec::kNorm, text)) write_failed_ = true;
}

void Engine::put_headers_on_top() {
  if (!mail_stream_) return;
  if (!mail_stream_->write_record(rec::kMessage, "")) write_failed_ = true;
  // PREPEND actions go above our own Received: header, as in Postfix.
  for (const auto& h : session_.prepend_headers)
    if (!mail_stream_->write_record(rec::kNorm, h)) write_failed_ = true;
  ReceivedInfo info;
  info.helo = session_.helo_name.value_or("");
  info.client_name = session_.client.name;
  info.client_addr = session_.client.addr;
  if (svc_.tls && session_.tls_active) info.tls_comment = svc_.tls->received_comment(session_);
  if (set_.sasl_authenticated_header && !session_.sasl_username.empty())
    info.auth_sender = session_.sasl_username;
  info.myhostname = set_.myhostname;
  info.mail_name = set_.mail_name;
  info.protocol = session_.received_protocol();
  info.queue_id = session_.queue_id;
  if (session_.recipients.size() == 1) info.single_recipient = session_.recipients.front();
  info.date = mail::mail_date(std::time(nullptr));
  for (const auto& l : received_header(info))
    if (!mail_stream_->write_record(rec::kNorm, l)) write_failed_ = true;
}

Engine::Result Engine::data(const std::string& args) {
  // Content sent before our 354 (checked here: afterwards it is consumed).
  check_pipelining_after("DATA");
  if (!args.empty()) {
    reply("501 5.5.4 Syntax: DATA");
    return Result::kError;
  }
  if (!in_transaction()) {
    reply("503 5.5.1 Error: need RCPT command");
    return Result::kError;
  }
  if (session_.recipients.empty()) {
    reply("554 5.5.1 Error: no valid recipients");
    return Result::kError;
  }
  if (bdat_active_) {
    reply("503 5.5.1 Error: DATA after BDAT");
    return Result::kError;
  }
  // As Postfix: at DATA the policy sees the recipient only when there is one.
  session_.recipient = session_.recipients.size() == 1 ? session_.recipients.front() : "";
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    if (auto r = svc_.restrictions->on_data(session_)) {
      reply(*r);
      abort_transaction();
      return Result::kError;
    }
  }
  if (milters_ && milter_verdict("DATA", milters_->data(session_))) {
    abort_transaction();
    return Result::kError;
  }
  put_headers_on_top();
  reply("354 End data with <CR><LF>.<CR><LF>");
  flush();
  in_data_ = true;
  bool line_start_after_crlf = true;  // the previous line ended in CRLF
  bool continuing = false;            // inside a line longer than the limit
  bool pending_cr = false;            // a piece ended in CR: maybe the CR of CRLF
  for (;;) {
    auto got = stream_.read_line(set_.line_length_limit);
    if (!got) {
      log_end(got.error());
      return Result::kError;
    }
    if (got->end == util::LineEnd::kEof) {
      log_end(util::Error{"eof", 0, util::ErrorKind::kEof});
      return Result::kError;
    }
    std::string text = std::move(got->text);
    if (pending_cr) {
      pending_cr = false;
      if (!(got->end == util::LineEnd::kNewline && text.empty()))
        text.insert(0, "\r");
      else
        text = "\r";  // "\r" + "\n": the CR of a CRLF, stripped below
    }
    if (got->end == util::LineEnd::kTooLong) {
      if (!continuing && text.size() > 1 && text[0] == '.') text.erase(0, 1);
      if (!text.empty() && text.back() == '\r') {
        text.pop_back();
        pending_cr = true;
      }
      put_line(text, true);
      continuing = true;
      continue;
    }
    bool crlf = !text.empty() && text.back() == '\r';
    if (crlf) text.pop_back();
    if (!continuing) {
      if (text == "." && crlf && line_start_after_crlf) break;
      if (text.size() > 1 && text[0] == '.') text.erase(0, 1);
    }
    put_line(text, false);
    continuing = false;
    line_start_after_crlf = crlf;
    if (!crlf) bare_lf_seen_ = true;
  }
  in_data_ = false;
  session_.last_command = "END-OF-MESSAGE";
  Result r = reject_bare_lf_ && bare_lf_seen_ ? refuse_bare_newline("END-OF-MESSAGE")
                                              : finish_message("250 2.0.0 Ok: queued as ");
  session_.last_command = "DATA";
  return r;
}

Engine::Result Engine::refuse_bare_newline(const std::string& stage) {
  log_reject_text(stage, "bare <LF> received");
  reply(bare_newline_reply());
  abort_transaction();
  return Result::kError;
}

Engine::Result Engine::finish_message(const std::string& ok_prefix) {
  auto fail = [&](const SmtpReply& r) {
    reply(r);
    abort_transaction();
    return Result::kError;
  };
  if (too_big_) return fail(SmtpReply{552, "5.3.4", "Error: message file too big"});
  if (svc_.restrictions) {
    if (auto r = svc_.restrictions->on_end_of_data(session_, data_size_)) return fail(*r);
  }
  if (!mail_stream_ || write_failed_)
    return fail(SmtpReply{451, "4.3.0", "Error: queue file write error"});
  bool ok = mail_stream_->write_record(rec::kExtract, "").has_value();
  if (session_.filter)
    ok = ok && mail_stream_->write_record(rec::kFilter, *session_.filter).has_value();
  if (session_.redirect)
    ok = ok && mail_stream_->write_record(rec::kRedirect, *session_.redirect).has_value();
  // A HOLD or DISCARD found after cleanup was opened (a later RCPT, DATA or
  // end-of-data restriction) travels as a flags record, as in Postfix.
  if (int late = (session_.hold ? mail::kCleanupFlagHold : 0) |
                 (session_.discard ? mail::kCleanupFlagDiscard : 0))
    ok = ok && mail_stream_->write_record(rec::kFlags, std::to_string(late)).has_value();
  ok = ok && mail_stream_->write_record(rec::kEnd, "").has_value();
  if (ok && milters_) {
    if (auto s = mail_stream_->send_milters(milters_->for_cleanup()); !s) {
      util::msg_warn(session_.queue_id + ": hand milters to cleanup: " + s.error().message);
      ok = false;
    }
  }
  if (!ok) return fail(SmtpReply{451, "4.3.0", "Error: queue file write error"});
  auto verdict = mail_stream_->finish();
  if (milters_) milters_->message_done(verdict ? verdict->failed_milters : "");
  if (!verdict) {
    util::msg_warn(session_.queue_id + (svc_.stand_alone ? ": " : ": cleanup: ") +
                   verdict.error().message);
    return fail(SmtpReply{451, "4.3.0", "Error: queue file write error"});
  }
  if (verdict->status != mail::kCleanupStatOk) {
    auto d = mail::cleanup_status_detail(verdict->status);
    const std::string& why = verdict->reason;
    // A milter's multi-line reply goes out as it came.
    if (why.find("\r\n") != std::string::npos && why.size() > 4 && why[3] == '-') {
      reply(why);
      abort_transaction();
      return Result::kError;
    }
    if (why.size() > 4 && std::isdigit(static_cast<unsigned char>(why[0])) && why[3] == ' ')
      return fail(SmtpReply{std::stoi(why.substr(0, 3)), "", why.substr(4)});
    // header/body_checks REJECT text comes as "5.7.1 text": its own DSN.
    bool has_dsn = why.size() > 6 && std::isdigit(static_cast<unsigned char>(why[0])) &&
                   why[1] == '.' && why.find(' ') != std::string::npos;
    if (has_dsn) return fail(SmtpReply{d.smtp_code, "", why});
    if (!why.empty()) return fail(SmtpReply{d.smtp_code, d.dsn, why});
    return fail(SmtpReply{d.smtp_code, d.dsn, "Error: " + d.text});
  }
  std::string id = session_.queue_id;
  abort_transaction();
  reply(ok_prefix + id);
  return Result::kOk;
}

Engine::Result Engine::bdat(const std::string& args) {
  // "BDAT size [LAST]"
  CommandLine parts = split_command(args);
  std::string size_text = args.substr(0, args.find(' '));
  bool last = parts.args.size() == 4 && split_command(parts.args).verb == "LAST";
  bool syntax_ok = !size_text.empty() && size_text.size() <= 18 &&
                   size_text.find_first_not_of("0123456789") == std::string::npos &&
                   (parts.args.empty() || last);
  if (!syntax_ok) {
    util::msg_warn((session_.queue_id.empty() ? std::string("NOQUEUE") : session_.queue_id) +
                   ": malformed BDAT command syntax from " + session_.client.namaddr() + ": BDAT " +
                   printable_escape(args, 100));
    reply("521 5.5.4 Syntax: BDAT count [LAST]");
    quit_ = true;
    return Result::kError;
  }
  long long size = std::stoll(size_text);
  // Read (or skip) the chunk in bounded blocks.
  in_data_ = true;
  bdat_active_ = true;
  bool accept = in_transaction() && !session_.recipients.empty() && !bdat_failed_;
  if (accept && bdat_total_ == 0 && data_size_ == 0 && bdat_line_.empty()) {
    session_.recipient = session_.recipients.size() == 1 ? session_.recipients.front() : "";
    std::optional<std::string> refusal;
    if (svc_.restrictions) {
      svc_.restrictions->note_pipelining(session_, false);
      if (auto r = svc_.restrictions->on_data(session_)) refusal = r->line();
    }
    if (!refusal && milters_) {
      mail::MilterReply m = milters_->data(session_);
      if (m.verdict == mail::MilterVerdict::kReject ||
          m.verdict == mail::MilterVerdict::kTempfail) {
        log_action("milter-reject", "DATA", m.text);
        refusal = m.text;
      } else {
        (void)milter_verdict("DATA", m);  // discard/hold: noted, not refused
      }
    }
    if (refusal) {
      accept = false;
      bdat_failed_ = true;
      // Postfix reads the chunk first, then answers.
      for (long long left = size; left > 0;) {
        auto got = stream_.read_some(static_cast<size_t>(std::min<long long>(left, kBdatBlock)));
        if (!got) {
          log_end(got.error());
          return Result::kError;
        }
        left -= static_cast<long long>(got->size());
      }
      in_data_ = false;
      reply(*refusal);
      if (last) abort_transaction();
      return Result::kError;
    }
    put_headers_on_top();
  }
  for (long long left = size; left > 0;) {
    auto got = stream_.read_some(static_cast<size_t>(std::min<long long>(left, kBdatBlock)));
    if (!got) {
      log_end(got.error());
      return Result::kError;
    }
    left -= static_cast<long long>(got->size());
    bdat_total_ += static_cast<long long>(got->size());
    if (!accept) continue;
    // Lines end at LF (a CR before it is dropped); long lines become pieces.
    size_t pos = 0;
    const std::string& block = *got;
    while (pos < block.size()) {
      size_t nl = block.find('\n', pos);
      size_t end = nl == std::string::npos ? block.size() : nl;
      bdat_line_.append(block, pos, end - pos);
      pos = nl == std::string::npos ? block.size() : nl + 1;
      if (nl != std::string::npos) {
        if (!bdat_line_.empty() && bdat_line_.back() == '\r')
          bdat_line_.pop_back();
        else
          bare_lf_seen_ = true;
        while (bdat_line_.size() > set_.line_length_limit) {
          put_line(std::string_view(bdat_line_).substr(0, set_.line_length_limit), true);
          bdat_line_.erase(0, set_.line_length_limit);
        }
        put_line(bdat_line_, false);
        bdat_line_.clear();
      } else {
        // Keep one byte back: it may be the CR of a CRLF split by the chunk.
        while (bdat_line_.size() > set_.line_length_limit + 1) {
          put_line(std::string_view(bdat_line_).substr(0, set_.line_length_limit), true);
          bdat_line_.erase(0, set_.line_length_limit);
        }
      }
    }
  }
  in_data_ = false;
  if (!in_transaction()) {
    reply("503 5.5.1 Error: need RCPT command");
    return Result::kError;
  }
  if (session_.recipients.empty()) {
    reply("554 5.5.1 Error: no valid recipients");
    if (last) abort_transaction();
    return Result::kError;
  }
  if (bdat_failed_) {
    reply("503 5.5.1 Error: previous BDAT failed");
    if (last) abort_transaction();
    return Result::kError;
  }
  if (reject_bare_lf_ && bare_lf_seen_) {
    // A chunk with a bare LF fails the transaction; later chunks are
    // discarded until LAST.
    if (last) return refuse_bare_newline("END-OF-MESSAGE");
    log_reject_text("BDAT content", "bare <LF> received");
    reply(bare_newline_reply());
    bdat_failed_ = true;
    return Result::kError;
  }
  if (!last) {
    reply("250 2.0.0 Ok: " + std::to_string(bdat_total_) + " bytes");
    return Result::kOk;
  }
  if (!bdat_line_.empty()) {
    if (bdat_line_.back() == '\r') bdat_line_.pop_back();
    while (bdat_line_.size() > set_.line_length_limit) {
      put_line(std::string_view(bdat_line_).substr(0, set_.line_length_limit), true);
      bdat_line_.erase(0, set_.line_length_limit);
    }
    put_line(bdat_line_, false);
    bdat_line_.clear();
  }
  return finish_message("250 2.0.0 Ok: " + std::to_string(bdat_total_) + " bytes queued as ");
}

}  // namespace smtpd
