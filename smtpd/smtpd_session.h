// smtpd::Engine: one SMTP session from banner to disconnect: reads command
// lines with smtpd_timeout and line_length_limit, dispatches them to the
// command groups (smtpd_session.cc: greeting, HELO/EHLO, STARTTLS, AUTH,
// RSET/NOOP/QUIT/VRFY/ETRN/XCLIENT; smtpd_envelope.cc: MAIL, RCPT and the
// cleanup connection; smtpd_data.cc: DATA, BDAT and queuing), counts errors
// and commands, and logs as Postfix's smtpd does. smtpd_service.cc makes one
// Engine per accepted connection.
// Easy to get wrong: every 4xx/5xx reply must pass through reply() so the
// error counters, the soft-limit sleep and the hard limit work; the cleanup
// connection exists only between the first accepted RCPT and the end of the
// transaction (dropping it unfinished makes cleanup remove the file).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libmail/cleanup_client.h"
#include "libutil/stream.h"
#include "smtpd/anvil_limits.h"
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
  const std::vector<mail::MilterSettings>* milters = nullptr;  // smtpd_milters
  const mail::MilterGlobals* milter_globals = nullptr;
};

class Engine {
 public:
  Engine(util::Stream& stream, const Services& services, std::string service_name);
  // The whole session; returns when it is over (QUIT, error, timeout, EOF).
  void run();

 private:
  enum class Result { kOk, kError, kNotCounted };  // kNotCounted: 452 too many rcpts etc.

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
  Result xclient();

  // Transaction helpers (smtpd_envelope.cc / smtpd_data.cc).
  bool open_cleanup();
  void abort_transaction();
  void log_reject(const std::string& stage, const SmtpReply& r);
  // "milter-reject"/"milter-discard"/"milter-hold" lines and the reply
  // (smtpd_milter_stage.cc). Returns true when the command is refused.
  bool milter_verdict(const std::string& stage, const mail::MilterReply& r);
  void log_action(const std::string& action, const std::string& stage, const std::string& text);
  // Message content: one line (or piece, when `partial`) to cleanup.
  void put_line(std::string_view text, bool partial);
  void put_headers_on_top();
  Result finish_message(const std::string& ok_prefix);
  bool in_transaction() const { return session_.sender.has_value(); }
  bool helo_ok() const { return session_.helo_name.has_value(); }
  bool tls_required_now() const;
  bool tls_session_allowed();

  util::Stream& stream_;
  Services svc_;
  const Settings& set_;
  Session session_;
  SessionCounters counters_;
  std::optional<mail::CleanupClient> cleanup_;
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
};

}  // namespace smtpd
