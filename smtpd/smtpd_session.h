// smtpd::Engine: one SMTP session from banner to disconnect: reads command
// lines with smtpd_timeout and line_length_limit, dispatches them to the
// command groups (smtpd_session.cc: greeting, HELO/EHLO, STARTTLS, AUTH,
// RSET/NOOP/QUIT/VRFY/ETRN/XCLIENT; smtpd_envelope.cc: MAIL, RCPT and the
// mail stream; smtpd_data.cc: DATA, BDAT and queuing), counts errors and
// commands, and logs as Postfix's smtpd does. smtpd_service.cc makes one
// Engine per accepted connection, smtpd_stand_alone.cc one on stdin/stdout.
// Easy to get wrong: every 4xx/5xx reply must pass through reply() so the
// error counters, the soft-limit sleep and the hard limit work; the mail
// stream (mail_queue.h) exists only between the first accepted RCPT and the
// end of the transaction (dropping it unfinished removes the file).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libutil/stream.h"
#include "smtpd/anvil_limits.h"
#include "smtpd/client_lists.h"
#include "smtpd/mail_queue.h"
#include "smtpd/restrictions.h"
#include "smtpd/sasl_server.h"
#include "smtpd/session_counters.h"
#include "smtpd/smtpd_milter.h"
#include "smtpd/smtpd_settings.h"
#include "smtpd/smtpd_state.h"
#include "smtpd/smtpd_tls.h"

namespace smtpd {

// What the engine needs that lives longer than a session.
struct Services {
  const conf::Config* config = nullptr;
  const Settings* settings = nullptr;
  Restrictions* restrictions = nullptr;
  SmtpdTls* tls = nullptr;
  SaslServer* sasl = nullptr;
  AnvilLimits* anvil = nullptr;
  const ClientLists* lists = nullptr;
  MailQueue* queue = nullptr;  // cleanup (under master) or postdrop (stand-alone)
  // `sendmail -bs`: the local user on stdin/stdout, trusted as Postfix's
  // stand-alone smtpd trusts it (no restrictions, no peer lookup, no ETRN),
  // and the queue is postdrop.
  bool stand_alone = false;
  const std::vector<mail::MilterSettings>* milters = nullptr;  // smtpd_milters
  const mail::MilterGlobals* milter_globals = nullptr;
};

class Engine {
 public:
  Engine(util::Stream& stream, const Services& services, std::string service_name);
  // The whole session; returns when it is over (QUIT, error, timeout, EOF).
  void run();

 private:
  // kNotCounted: 452 too many rcpts etc.; kRestarted: XCLIENT succeeded,
  // which Postfix's summary shows as not ok though it is no error.
  enum class Result { kOk, kError, kNotCounted, kRestarted };

  // Sends a reply line (with the soft-limit delay). Returns false on I/O error.
  bool reply(const std::string& line);
  bool reply(const SmtpReply& r) { return reply(r.line()); }
  void flush();
  // The command loop and its helpers.
  bool greet();
  void log_end(const util::Error& error);
  std::string where() const;
  Result dispatch(const std::string& verb, const std::string& args, const std::string& line);

  // Command groups.
  Result helo(const std::string& args, bool esmtp);
  Result starttls(const std::string& args);
  Result auth(const std::string& args);
  Result mail(const std::string& args);
  Result rcpt(const std::string& args);
  Result data(const std::string& args);
  Result bdat(const std::string& args);
  Result rset(const std::string& args);
  Result vrfy(const std::string& args);
  Result etrn(const std::string& args);
  Result xclient(const std::string& args);   // smtpd_xclient.cc
  Result xforward(const std::string& args);  // smtpd_xclient.cc

  // Transaction helpers (smtpd_envelope.cc / smtpd_data.cc).
  bool open_mail_stream();
  void abort_transaction();
  void log_reject(const std::string& stage, const SmtpReply& r);
  void log_reject_text(const std::string& stage, const std::string& text);
  // smtpd_forbid_bare_newline = reject: the reply, and whether it applies
  // to this client (decided at connect and again after XCLIENT).
  std::string bare_newline_reply() const;
  void decide_bare_newline();
  // "improper command pipelining after CMD from CLIENT: TEXT", once per
  // session, when the client sent more than it may before our reply
  // (smtpd_pipelining.cc).
  void check_pipelining_after(const std::string& verb);
  void check_pipelining_at_connect();
  void log_improper_pipelining(const std::string& after, std::string_view pending);
  // Before reading a command with nothing buffered: wait for input (within
  // smtpd_timeout) and keep a copy of what the read will take in
  // (early_input_); after it, forget the bytes the command used.
  util::Result<void> wait_for_command();
  void command_consumed(const util::Line& line);
  // "milter-reject"/"milter-discard"/"milter-hold" lines and the reply
  // (smtpd_milter_stage.cc). Returns true when the command is refused.
  bool milter_verdict(const std::string& stage, const mail::MilterReply& r);
  void log_action(const std::string& action, const std::string& stage, const std::string& text);
  // Message content: one line (or piece, when `partial`) to cleanup.
  void put_line(std::string_view text, bool partial);
  void put_headers_on_top();
  Result finish_message(const std::string& ok_prefix);
  // Message content had a bare LF under smtpd_forbid_bare_newline = reject:
  // log, refuse and end the transaction (the session goes on).
  Result refuse_bare_newline(const std::string& stage);
  bool in_transaction() const { return session_.sender.has_value(); }
  bool helo_ok() const { return session_.helo_name.has_value(); }
  bool tls_required_now() const;
  bool tls_session_allowed();

  util::Stream& stream_;
  Services svc_;
  const Settings& set_;
  Session session_;
  SessionCounters counters_;
  std::unique_ptr<MailStream> mail_stream_;
  bool quit_ = false;          // end the session after this reply
  bool hangup_ = false;        // the connection is broken: no more replies
  long long sticky_size_ = 0;  // SIZE= stays until RSET, as Postfix's msg_size
  long arrival_sec_ = 0, arrival_usec_ = 0;
  std::optional<SmtpReply> connect_reject_;
  // A milter refused the connection: logged at HELO, the answer to MAIL
  // (as Postfix 3.7; other commands go on as usual).
  std::optional<std::string> milter_connect_reply_;
  std::optional<SmtpdMilters> milters_;
  // Message reception.
  long long data_size_ = 0;
  bool too_big_ = false;
  bool write_failed_ = false;
  std::string bdat_line_;  // BDAT: an unfinished line across chunks
  bool bdat_active_ = false;
  bool bdat_failed_ = false;  // the transaction failed: discard further chunks
  long long bdat_total_ = 0;
  bool in_data_ = false;
  bool local_rewrite_client_ = false;  // local_header_rewrite_clients, decided at connect
  bool reject_bare_lf_ = false;        // smtpd_forbid_bare_newline = reject applies
  bool pipelining_logged_ = false;
  // smtpd_authorized_xclient_hosts / _xforward_hosts, matched at connect;
  // XCLIENT matches its own list again against the client it names
  // (observed: the claimed client may not XCLIENT unless listed, but
  // XFORWARD stays allowed).
  bool xclient_allowed_ = false;
  bool xforward_allowed_ = false;
  // A copy of the stream's unread input (peeked from the socket), valid
  // while it is not empty; the stream itself does not show its buffer.
  std::string early_input_;
  bool bare_lf_seen_ = false;  // message content had a line ending in bare LF
};

}  // namespace smtpd
