// The command loop and the commands that do not touch the envelope.
#include "smtpd/smtpd_session.h"

#include <unistd.h>

#include <cctype>

#include "libmail/flush_client.h"
#include "libmail/service_client.h"
#include "libutil/log.h"
#include "smtpd/client_lookup.h"
#include "smtpd/smtpd_command.h"
#include "smtpd/xclient_attrs.h"

namespace smtpd {

Engine::Engine(util::Stream& stream, const Services& services, std::string service_name)
    : stream_(stream), svc_(services), set_(*services.settings) {
  session_.service_name = std::move(service_name);
  if (services.milters && !services.milters->empty() && services.milter_globals &&
      (set_.cleanup_flags & mail::kCleanupFlagMilter))
    milters_.emplace(*services.milters, *services.milter_globals);
}

bool Engine::reply(const std::string& line) {
  if (hangup_) return false;
  if (session_.error_count >= set_.soft_error_limit && set_.error_sleep_seconds > 0) {
    flush();
    ::sleep(static_cast<unsigned>(set_.error_sleep_seconds));
  }
  if (!stream_.write(line + "\r\n")) {
    hangup_ = true;
    return false;
  }
  // Replies to pipelined commands go out together, as Postfix's do.
  if (stream_.buffered() == 0) flush();
  return !hangup_;
}

void Engine::flush() {
  if (hangup_) return;
  if (!stream_.flush()) hangup_ = true;
}

std::string Engine::where() const {
  if (in_data_) {
    return (bdat_active_ ? "BDAT" : "DATA") + std::string(" (") +
           std::to_string(bdat_active_ ? bdat_total_ : data_size_) + " bytes)";
  }
  return session_.last_command.empty() ? "CONNECT" : session_.last_command;
}

void Engine::log_end(const util::Error& error) {
  std::string what = error.kind == util::ErrorKind::kTimeout ? "timeout" : "lost connection";
  util::msg_info(what + " after " + where() + " from " + session_.client.namaddr());
  if (error.kind == util::ErrorKind::kTimeout) {
    reply("421 4.4.2 " + set_.myhostname + " Error: timeout exceeded");
    flush();
  }
  hangup_ = true;
}

// smtpd_client_new_tls_session_rate_limit after a handshake: over the limit
// the client gets anvil's 421 and the session ends.
bool Engine::tls_session_allowed() {
  if (!svc_.anvil) return true;
  auto r = svc_.anvil->on_tls_handshake(session_);
  if (!r) return true;
  reply(*r);
  flush();
  hangup_ = true;
  return false;
}

bool Engine::tls_required_now() const {
  return svc_.tls && svc_.tls->required() && !session_.tls_active;
}

std::string Engine::bare_newline_reply() const {
  return std::to_string(set_.bare_newline_reject_code) + " 5.5.2 " + set_.myhostname +
         " Error: bare <LF> received";
}

void Engine::decide_bare_newline() {
  reject_bare_lf_ = set_.forbid_bare_newline == Settings::BareNewline::kReject &&
                    !(svc_.lists && svc_.lists->bare_newline_excluded(session_.client));
}

bool Engine::greet() {
  if (svc_.stand_alone) {
    // Postfix's name for the local user on stdin, in logs and Received:.
    session_.client.name = session_.client.reverse_name = "localhost";
    session_.client.name_status = session_.client.reverse_name_status = PeerStatus::kOk;
    session_.client.addr = "127.0.0.1";
  } else {
    lookup_client(stream_.fd(), set_.peername_lookup, session_.client);
  }
  util::msg_info("connect from " + session_.client.namaddr());
  decide_bare_newline();
  xclient_allowed_ = svc_.lists && svc_.lists->xclient_allowed(session_.client);
  xforward_allowed_ = svc_.lists && svc_.lists->xforward_allowed(session_.client);
  local_rewrite_client_ =
      set_.local_rewrite_all ||
      (set_.local_rewrite_interfaces && session_.client.addr == session_.client.server_addr);
  stream_.set_timeout(set_.timeout);
  if (svc_.tls && svc_.tls->wrapper_mode()) {
    if (auto r = svc_.tls->start(stream_, session_); !r) {
      hangup_ = true;
      return false;
    }
    session_.tls_active = true;
  }
  if (svc_.anvil) {
    if (auto r = svc_.anvil->on_connect(session_)) {
      reply(*r);
      flush();
      return false;
    }
    // Wrapper mode: the handshake above was a new TLS session.
    if (session_.tls_active && !tls_session_allowed()) return false;
  }
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    // A connect-time reject (smtpd_delay_reject = no) is the answer to
    // every later envelope command; the client still gets its banner.
    if (auto r = svc_.restrictions->on_connect(session_)) connect_reject_ = *r;
  }
  if (milters_ && !connect_reject_) {
    mail::MilterReply r = milters_->connect(session_);
    if (r.verdict == mail::MilterVerdict::kReject || r.verdict == mail::MilterVerdict::kTempfail) {
      // As a connect-time restriction: the answer to every envelope command.
      log_action("milter-reject", "CONNECT", r.text);
      milter_connect_reply_ = r.text;
    }
  }
  check_pipelining_at_connect();
  return reply("220 " + set_.banner);
}

void Engine::run() {
  bool greeted = greet();
  while (greeted && !quit_ && !hangup_) {
    if (session_.error_count >= set_.hard_error_limit) {
      util::msg_info("too many errors after " + where() + " from " + session_.client.namaddr());
      reply("421 4.7.0 " + set_.myhostname + " Error: too many errors");
      break;
    }
    flush();
    if (auto w = wait_for_command(); !w) {
      log_end(w.error());
      break;
    }
    auto line = stream_.read_line(set_.line_length_limit);
    if (!line) {
      log_end(line.error());
      break;
    }
    command_consumed(*line);
    if (line->end == util::LineEnd::kEof) {
      log_end(util::Error{"eof", 0, util::ErrorKind::kEof});
      break;
    }
    std::string text = std::move(line->text);
    if (line->end == util::LineEnd::kTooLong) {
      util::msg_warn(session_.client.namaddr() + ": request longer than " +
                     std::to_string(set_.line_length_limit) + ": " + printable_escape(text, 30) +
                     "...");
      if (auto s = stream_.skip_rest_of_line(); !s) {
        log_end(s.error());
        break;
      }
    }
    bool crlf = !text.empty() && text.back() == '\r';
    if (crlf) text.pop_back();
    if (reject_bare_lf_ && line->end == util::LineEnd::kNewline && !crlf) {
      // The command is not run or counted; the session ends (as Postfix).
      log_reject_text(where(), "bare <LF> received");
      reply(bare_newline_reply());
      break;
    }
    CommandLine cmd = split_command(text);
    Result r = dispatch(cmd.verb, cmd.args, text);
    if (r == Result::kError) ++session_.error_count;
    // DATA checks for itself before its content is read; BDAT carries data.
    // Commands that read more input leave the copy stale.
    if (cmd.verb == "DATA" || cmd.verb == "BDAT" || cmd.verb == "AUTH" || cmd.verb == "STARTTLS")
      early_input_.clear();
    if (session_.last_command != "UNKNOWN" && cmd.verb != "DATA" && cmd.verb != "BDAT" && !hangup_)
      check_pipelining_after(cmd.verb);
  }
  flush();
  abort_transaction();
  if (svc_.anvil) svc_.anvil->on_disconnect(session_);
  util::msg_info("disconnect from " + session_.client.namaddr() + counters_.summary());
}

Engine::Result Engine::dispatch(const std::string& verb, const std::string& args,
                                const std::string& line) {
  static const char* const kKnown[] = {"HELO", "EHLO", "XCLIENT", "XFORWARD", "STARTTLS",
                                       "AUTH", "MAIL", "RCPT",    "DATA",     "BDAT",
                                       "RSET", "NOOP", "VRFY",    "ETRN",     "QUIT"};
  bool known = false;
  for (const char* k : kKnown)
    if (verb == k) known = true;
  if (!known) {
    session_.last_command = "UNKNOWN";
    counters_.count("unknown", false);
    bool forbidden = looks_like_header(line);
    for (const auto& f : set_.forbidden_commands)
      if (verb == f) forbidden = true;
    if (set_.forbid_non_letter_commands && !verb.empty() &&
        !std::isalpha(static_cast<unsigned char>(verb[0])))
      forbidden = true;
    if (forbidden) {
      util::msg_warn("non-SMTP command from " + session_.client.namaddr() + ": " +
                     printable_escape(line, 100));
      reply("221 2.7.0 Error: I can break rules, too. Goodbye.");
      quit_ = true;
      return Result::kError;
    }
    reply(line.empty() ? "500 5.5.2 Error: bad syntax" : "500 5.5.2 Error: command not recognized");
    return Result::kError;
  }
  session_.last_command = verb;
  if (set_.smtputf8_enable && !valid_utf8(line)) {
    reply("500 5.5.2 Error: bad UTF-8 syntax");
    counters_.count(verb, false);
    return Result::kError;
  }
  // smtpd_junk_command_limit: commands that do not move a transaction.
  bool junk = verb == "HELO" || verb == "EHLO" || verb == "RSET" || verb == "NOOP" ||
              verb == "VRFY" || verb == "ETRN";
  if (junk && session_.junk_count++ > set_.junk_command_limit) ++session_.error_count;
  bool pre_tls =
      verb == "HELO" || verb == "EHLO" || verb == "STARTTLS" || verb == "NOOP" || verb == "QUIT";
  if (!pre_tls && tls_required_now()) {
    reply("530 5.7.0 Must issue a STARTTLS command first");
    counters_.count(verb, false);
    return Result::kError;
  }
  bool envelope = verb == "MAIL" || verb == "RCPT" || verb == "VRFY" || verb == "ETRN" ||
                  verb == "AUTH" || verb == "DATA" || verb == "BDAT";
  if (envelope && connect_reject_) {
    reply(*connect_reject_);
    counters_.count(verb, false);
    return Result::kError;
  }
  Result r = Result::kOk;
  if (verb == "HELO" || verb == "EHLO") {
    r = helo(args, verb == "EHLO");
  } else if (verb == "XCLIENT") {
    r = xclient(args);
  } else if (verb == "XFORWARD") {
    r = xforward(args);
  } else if (verb == "STARTTLS") {
    r = starttls(args);
  } else if (verb == "AUTH") {
    r = auth(args);
  } else if (verb == "MAIL") {
    r = mail(args);
  } else if (verb == "RCPT") {
    r = rcpt(args);
  } else if (verb == "DATA") {
    r = data(args);
  } else if (verb == "BDAT") {
    r = bdat(args);
  } else if (verb == "RSET") {
    r = rset(args);
  } else if (verb == "NOOP") {
    reply("250 2.0.0 Ok");
  } else if (verb == "VRFY") {
    r = vrfy(args);
  } else if (verb == "ETRN") {
    r = etrn(args);
  } else if (verb == "QUIT") {
    reply("221 2.0.0 Bye");
    quit_ = true;
  }
  counters_.count(verb, r != Result::kError && r != Result::kRestarted);
  return r;
}

Engine::Result Engine::helo(const std::string& args, bool esmtp) {
  if (args.empty()) {
    reply(esmtp ? "501 Syntax: EHLO hostname" : "501 Syntax: HELO hostname");
    return Result::kError;
  }
  abort_transaction();
  session_.helo_name = args;
  session_.esmtp = esmtp;
  const bool ehlo_seen_before = session_.ehlo_seen;
  session_.ehlo_seen = session_.ehlo_seen || esmtp;
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    if (auto r = svc_.restrictions->on_helo(session_)) {
      reply(*r);
      session_.helo_name.reset();
      return Result::kError;
    }
  }
  if (milter_connect_reply_) {
    // As Postfix: logged, not refused (MAIL is); the protocol is not yet ESMTP.
    session_.esmtp = false;
    session_.ehlo_seen = ehlo_seen_before;
    log_action("milter-reject", esmtp ? "EHLO" : "HELO", *milter_connect_reply_);
    session_.esmtp = esmtp;
    session_.ehlo_seen = ehlo_seen_before || esmtp;
  } else if (milters_ && milter_verdict(esmtp ? "EHLO" : "HELO", milters_->helo(session_))) {
    session_.helo_name.reset();
    return Result::kError;
  }
  if (!esmtp) {
    reply("250 " + set_.myhostname);
    return Result::kOk;
  }
  std::vector<std::string> lines{set_.myhostname, "PIPELINING"};
  lines.push_back(set_.message_size_limit > 0 ? "SIZE " + std::to_string(set_.message_size_limit)
                                              : std::string("SIZE"));
  if (!set_.disable_vrfy) lines.push_back("VRFY");
  lines.push_back("ETRN");
  if (svc_.tls && svc_.tls->available() && !session_.tls_active) lines.push_back("STARTTLS");
  if (svc_.sasl && svc_.sasl->enabled() &&
      !(svc_.tls && svc_.tls->auth_only() && !session_.tls_active)) {
    std::string mechs = svc_.sasl->mechanisms(session_);
    if (!mechs.empty()) {
      lines.push_back("AUTH " + mechs);
      if (set_.broken_sasl_auth_clients) lines.push_back("AUTH=" + mechs);
    }
  }
  if (xclient_allowed_) lines.push_back(std::string(kXclientEhlo));
  if (xforward_allowed_) lines.push_back(std::string(kXforwardEhlo));
  lines.push_back("ENHANCEDSTATUSCODES");
  lines.push_back("8BITMIME");
  lines.push_back("DSN");
  if (set_.smtputf8_enable) lines.push_back("SMTPUTF8");
  lines.push_back("CHUNKING");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i)
    out += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] +
           (i + 1 < lines.size() ? "\r\n" : "");
  reply(out);
  return Result::kOk;
}

Engine::Result Engine::starttls(const std::string& args) {
  if (!args.empty()) {
    reply("501 5.5.4 Syntax: STARTTLS");
    return Result::kError;
  }
  if (session_.tls_active) {
    reply("554 5.5.1 Error: TLS already active");
    return Result::kError;
  }
  if (!svc_.tls || !svc_.tls->available()) {
    reply("502 5.5.1 Error: command not implemented");
    return Result::kError;
  }
  if (svc_.anvil) {
    if (auto r = svc_.anvil->on_starttls(session_)) {
      reply(*r);
      return Result::kError;
    }
  }
  // Postfix keeps offering STARTTLS when its certificate could not be
  // loaded, and refuses the command itself; the session goes on in clear.
  if (svc_.tls->local_problem()) {
    reply("454 4.7.0 TLS not available due to local problem");
    return Result::kError;
  }
  reply("220 2.0.0 Ready to start TLS");
  flush();
  if (hangup_) return Result::kError;
  if (auto r = svc_.tls->start(stream_, session_); !r) {
    // The handshake failed or the client injected commands: no more talk.
    hangup_ = true;
    quit_ = true;
    return Result::kError;
  }
  session_.tls_active = true;
  if (!tls_session_allowed()) {
    quit_ = true;
    return Result::kError;
  }
  // RFC 3207: forget everything learned before the handshake.
  abort_transaction();
  session_.helo_name.reset();
  session_.esmtp = false;
  session_.ehlo_seen = false;
  return Result::kOk;
}

Engine::Result Engine::auth(const std::string& args) {
  if (!svc_.sasl || !svc_.sasl->enabled() ||
      (svc_.tls && svc_.tls->auth_only() && !session_.tls_active)) {
    reply("503 5.5.1 Error: authentication not enabled");
    return Result::kError;
  }
  if (set_.helo_required && !helo_ok()) {
    reply("503 5.5.1 Error: send HELO/EHLO first");
    return Result::kError;
  }
  if (!session_.sasl_username.empty()) {
    reply("503 5.5.1 Error: already authenticated");
    return Result::kError;
  }
  if (in_transaction()) {
    reply("503 5.5.1 Error: MAIL transaction in progress");
    return Result::kError;
  }
  if (args.empty()) {
    reply("501 5.5.4 Syntax: AUTH mechanism");
    return Result::kError;
  }
  if (svc_.anvil) {
    if (auto r = svc_.anvil->on_auth(session_)) {
      reply(*r);
      return Result::kError;
    }
  }
  flush();
  SmtpReply r = svc_.sasl->run_auth(stream_, session_, args);
  reply(r);
  return r.code / 100 == 2 ? Result::kOk : Result::kError;
}

Engine::Result Engine::rset(const std::string& args) {
  if (!args.empty()) {
    reply("501 5.5.4 Syntax: RSET");
    return Result::kError;
  }
  abort_transaction();
  sticky_size_ = 0;
  reply("250 2.0.0 Ok");
  return Result::kOk;
}

Engine::Result Engine::vrfy(const std::string& args) {
  if (set_.disable_vrfy) {
    reply("502 5.5.1 VRFY command is disabled");
    return Result::kError;
  }
  if (args.empty()) {
    reply("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
    return Result::kError;
  }
  if (in_transaction()) {
    reply("503 5.5.1 Error: MAIL transaction in progress");
    return Result::kError;
  }
  std::string arg = args;
  if (auto sp = arg.find(' '); sp != std::string::npos) {
    std::string rest = arg.substr(sp + 1);
    for (auto& c : rest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (rest != "SMTPUTF8") {
      reply("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
      return Result::kError;
    }
    arg.resize(sp);
  }
  auto addr = extract_address(arg, false);
  if (!addr) {
    reply("501 5.1.3 Bad recipient address syntax");
    return Result::kError;
  }
  if (svc_.restrictions) {
    session_.recipient = *addr;
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    auto r = svc_.restrictions->on_vrfy(session_);
    session_.recipient.clear();
    if (r) {
      reply(*r);
      return Result::kError;
    }
  }
  reply("252 2.0.0 " + arg);
  return Result::kOk;
}

Engine::Result Engine::etrn(const std::string& args) {
  if (args.empty()) {
    reply("500 Syntax: ETRN domain");
    return Result::kError;
  }
  if (set_.helo_required && !helo_ok()) {
    reply("503 Error: send HELO/EHLO first");
    return Result::kError;
  }
  if (in_transaction()) {
    reply("503 Error: MAIL transaction in progress");
    return Result::kError;
  }
  if (svc_.stand_alone) {
    util::msg_warn("do not use ETRN in \"sendmail -bs\" mode");
    reply("458 Unable to queue messages");
    return Result::kError;
  }
  std::string domain = args;
  if (domain[0] == '@' || domain[0] == '#') domain.erase(0, 1);
  bool ok_syntax = !domain.empty();
  for (char c : domain)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
          c == '[' || c == ']' || c == ':'))
      ok_syntax = false;
  if (!ok_syntax) {
    reply("501 Error: invalid parameter syntax");
    return Result::kError;
  }
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    if (auto r = svc_.restrictions->on_etrn(session_, domain)) {
      reply(*r);
      return Result::kError;
    }
  }
  auto allowed = mail::flush_domain_allowed(*svc_.config, domain);
  mail::FlushStatus status = mail::FlushStatus::kFail;
  if (allowed && !*allowed) {
    status = mail::FlushStatus::kDeny;
  } else if (allowed) {
    std::string error;
    status = mail::flush_send_site(mail::service_path("public", "flush"), domain, &error);
    if (status == mail::FlushStatus::kFail) util::msg_warn(error);
  }
  switch (status) {
    case mail::FlushStatus::kOk:
      reply("250 Queuing started");
      return Result::kOk;
    case mail::FlushStatus::kDeny:
      util::msg_warn("reject: ETRN " + domain + "... from " + session_.client.namaddr());
      reply("459 <" + domain + ">: service unavailable");
      return Result::kError;
    default:
      reply("458 Unable to queue messages");
      return Result::kError;
  }
}

}  // namespace smtpd
