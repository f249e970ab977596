// MAIL FROM and RCPT TO: parameters, limits, restrictions, and the
// mail stream (cleanup or postdrop) opened at the first accepted recipient.
#include <sys/time.h>

#include "libmail/record.h"
#include "libmail/service_client.h"
#include "libutil/log.h"
#include "smtpd/smtpd_command.h"
#include "smtpd/smtpd_session.h"

namespace smtpd {

namespace rec = mail::rec;

void Engine::log_reject(const std::string& stage, const SmtpReply& r) {
  log_reject_text(stage, r.line());
}

void Engine::log_reject_text(const std::string& stage, const std::string& text) {
  log_action("reject", stage, text);
}

void Engine::log_action(const std::string& action, const std::string& stage,
                        const std::string& text) {
  std::string qid = session_.queue_id.empty() ? "NOQUEUE" : session_.queue_id;
  std::string line =
      qid + ": " + action + ": " + stage + " from " + session_.client.namaddr() + ": " + text + ";";
  if (session_.sender) line += " from=<" + *session_.sender + ">";
  if (!session_.recipient.empty()) line += " to=<" + session_.recipient + ">";
  line += " proto=" + session_.protocol();
  if (session_.helo_name) line += " helo=<" + *session_.helo_name + ">";
  util::msg_info(line);
}

bool Engine::milter_verdict(const std::string& stage, const mail::MilterReply& r) {
  using V = mail::MilterVerdict;
  switch (r.verdict) {
    case V::kReject:
    case V::kTempfail:
      log_action("milter-reject", stage, r.text);
      reply(r.text);
      return true;
    case V::kDiscard:
      log_action("milter-discard", stage, "milter triggers DISCARD action");
      session_.discard = true;
      session_.discard_reason = "milter triggers DISCARD action";
      return false;
    case V::kQuarantine:
      log_action("milter-hold", stage, "milter triggers HOLD action");
      session_.hold = true;
      session_.hold_reason = "milter triggers HOLD action";
      return false;
    case V::kContinue:
    case V::kAccept:
      break;
  }
  return false;
}

void Engine::abort_transaction() {
  // Dropping the stream without the end marker makes cleanup (postdrop) remove
  // its file.
  mail_stream_.reset();
  if (milters_) milters_->abort();
  session_.reset_transaction();
  too_big_ = false;
  write_failed_ = false;
  data_size_ = 0;
  bdat_line_.clear();
  bdat_active_ = false;
  bdat_failed_ = false;
  bdat_total_ = 0;
  in_data_ = false;
  bare_lf_seen_ = false;
}

Engine::Result Engine::mail(const std::string& args) {
  if (set_.helo_required && !helo_ok()) {
    reply("503 5.5.1 Error: send HELO/EHLO first");
    return Result::kError;
  }
  if (in_transaction()) {
    reply("503 5.5.1 Error: nested MAIL command");
    return Result::kError;
  }
  auto path = parse_path_args(args, "FROM");
  if (!path) {
    reply("501 5.5.4 Syntax: MAIL FROM:<address>");
    return Result::kError;
  }
  auto addr = extract_address(path->path, set_.strict_rfc821);
  if (!addr) {
    util::msg_warn("Illegal address syntax from " + session_.client.namaddr() +
                   " in MAIL command: " + printable_escape(path->path, 100));
    reply("501 5.1.7 Bad sender address syntax");
    return Result::kError;
  }
  long long size = 0;
  std::string body, envid, auth_sender;
  int ret = 0;
  bool smtputf8 = false;
  // MAIL FROM resets what a milter saw of the last message.
  if (milters_) milters_->abort();
  for (size_t i = 0; i < path->params.size(); ++i) {
    const auto& [name, value] = path->params[i];
    const std::string& raw = path->raw_params[i];
    if (name == "SIZE") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        reply("501 5.5.4 Bad message size syntax");
        return Result::kError;
      }
      size = value.size() > 18 ? (1LL << 62) : std::stoll(value);
      sticky_size_ = size;
    } else if (name == "BODY") {
      std::string v;
      for (char c : value) v += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (v != "8BITMIME" && v != "7BIT") {
        reply("555 5.5.4 Unsupported option: " + raw);
        return Result::kError;
      }
      body = v;
    } else if (name == "RET") {
      std::string v;
      for (char c : value) v += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (ret != 0 || (v != "FULL" && v != "HDRS")) {
        reply("501 5.5.4 Bad RET parameter syntax");
        return Result::kError;
      }
      ret = v == "FULL" ? 1 : 2;
    } else if (name == "ENVID") {
      auto d = xtext_decode(value);
      if (!envid.empty() || value.empty() || !d || d->empty() || d->size() > 100) {
        reply("501 5.5.4 Bad ENVID parameter syntax");
        return Result::kError;
      }
      envid = *d;
    } else if (name == "SMTPUTF8" && value.empty() && raw.find('=') == std::string::npos &&
               set_.smtputf8_enable) {
      smtputf8 = true;
    } else if (name == "AUTH") {
      auto d = xtext_decode(value);
      if (!d) {
        reply("501 5.5.4 Bad AUTH parameter syntax");
        return Result::kError;
      }
      if (!session_.sasl_username.empty() && *d != "<>") auth_sender = *d;
    } else {
      reply("555 5.5.4 Unsupported option: " + raw);
      return Result::kError;
    }
  }
  if (set_.message_size_limit > 0 && sticky_size_ > set_.message_size_limit) {
    SmtpReply r{552, "5.3.4", "Message size exceeds fixed limit"};
    session_.sender = *addr;
    log_reject("MAIL", r);
    session_.sender.reset();
    reply(r);
    return Result::kError;
  }
  session_.sender = *addr;
  session_.declared_size = size;
  session_.body_type = body;
  session_.dsn_envid = envid;
  session_.dsn_ret = ret;
  session_.smtputf8 = smtputf8;
  session_.sasl_sender = auth_sender;
  auto refuse = [&](const SmtpReply& r) {
    reply(r);
    session_.reset_transaction();
    return Result::kError;
  };
  if (svc_.anvil) {
    if (auto r = svc_.anvil->on_mail(session_)) return refuse(*r);
  }
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    if (auto r = svc_.restrictions->on_mail(session_)) return refuse(*r);
  }
  mail::MilterReply milter_reply;
  if (milter_connect_reply_)
    milter_reply = {milter_connect_reply_->front() == '4' ? mail::MilterVerdict::kTempfail
                                                          : mail::MilterVerdict::kReject,
                    *milter_connect_reply_};
  else if (milters_)
    milter_reply = milters_->mail(session_, path->raw_params);
  if (milter_verdict("MAIL", milter_reply)) {
    if (milters_) milters_->abort();
    session_.reset_transaction();
    return Result::kError;
  }
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  arrival_sec_ = tv.tv_sec;
  arrival_usec_ = tv.tv_usec;
  reply("250 2.1.0 Ok");
  return Result::kOk;
}

bool Engine::open_mail_stream() {
  if (!svc_.queue) return false;
  // non_smtpd_milters are not for SMTP mail; smtpd_milters travel with the
  // message (finish_message). No bounce flag: a client waits for the reply
  // (Postfix gives it to pickup only), so content rejects become 5xx here.
  auto c = svc_.queue->open(
      (set_.cleanup_flags & ~(mail::kCleanupFlagMilter | mail::kCleanupFlagBounce)) |
      (session_.hold ? mail::kCleanupFlagHold : 0) |
      (session_.discard ? mail::kCleanupFlagDiscard : 0) |
      (session_.smtputf8 ? mail::kCleanupFlagSmtputf8 : 0));
  if (!c) {
    util::msg_warn((svc_.stand_alone ? "" : "connect to cleanup service: ") + c.error().message);
    return false;
  }
  mail_stream_ = std::move(*c);
  session_.queue_id = mail_stream_->queue_id();
  const ClientInfo& cl = session_.client;
  std::string log = session_.queue_id + ": client=" + cl.namaddr();
  if (!session_.sasl_method.empty())
    log += ", sasl_method=" + session_.sasl_method + ", sasl_username=" + session_.sasl_username;
  if (!session_.sasl_sender.empty()) log += ", sasl_sender=" + session_.sasl_sender;
  const Session::Forwarded& fwd = session_.forward;
  if (!fwd.ident.empty()) log += ", orig_queue_id=" + fwd.ident;
  // What the log_* attributes say: the forwarded client when XFORWARD gave one.
  ClientInfo origin = cl;
  std::string origin_helo = session_.helo_name.value_or("");
  std::string origin_proto = session_.protocol();
  if (fwd.given) {
    origin.name = fwd.name.empty() ? "unknown" : fwd.name;
    origin.addr = fwd.addr.empty() ? "unknown" : fwd.addr;
    origin.port = fwd.port.empty() ? "unknown" : fwd.port;
    origin_helo = fwd.helo;
    origin_proto = fwd.proto.empty() ? "unknown" : fwd.proto;
    if (!fwd.name.empty() || !fwd.addr.empty()) log += ", orig_client=" + origin.namaddr();
  }
  util::msg_info(log);

  bool ok = true;
  auto put = [&](char type, const std::string& payload) {
    if (ok && !mail_stream_->write_record(type, payload)) ok = false;
  };
  auto attr = [&](const std::string& name, const std::string& value) {
    put(rec::kAttr, name + "=" + value);
  };
  if (svc_.stand_alone) {
    // What sendmail would give postdrop (which adds T); as Postfix 3.7.11's
    // stand-alone smtpd, ENVID and RET= are not passed on.
    put(rec::kFrom, *session_.sender);
    if (session_.body_type == "8BITMIME") attr("encoding", "8bit");
    if (session_.body_type == "7BIT") attr("encoding", "7bit");
    if (!ok) {
      mail_stream_.reset();
      session_.queue_id.clear();
    }
    return ok;
  }
  bool local = fwd.source.empty() ? local_rewrite_client_ : fwd.source == "LOCAL";
  put(rec::kTime, std::to_string(arrival_sec_) + " " + std::to_string(arrival_usec_));
  attr("log_ident", fwd.ident.empty() ? session_.queue_id : fwd.ident);
  attr("rewrite_context", local ? "local" : "remote");
  if (!session_.dsn_envid.empty()) attr("envelope_id", session_.dsn_envid);
  if (session_.dsn_ret) attr("ret_flags", std::to_string(session_.dsn_ret));
  if (!session_.sasl_method.empty()) {
    attr("sasl_method", session_.sasl_method);
    attr("sasl_username", session_.sasl_username);
    if (!session_.sasl_sender.empty()) attr("sasl_sender", session_.sasl_sender);
  }
  put(rec::kFrom, *session_.sender);
  if (session_.body_type == "8BITMIME") attr("encoding", "8bit");
  if (session_.body_type == "7BIT") attr("encoding", "7bit");
  std::string helo = session_.helo_name.value_or("");
  attr("log_client_name", origin.name);
  attr("log_client_address", origin.addr);
  attr("log_client_port", origin.port);
  attr("log_message_origin", origin.namaddr());
  if (!origin_helo.empty()) attr("log_helo_name", origin_helo);
  attr("log_protocol_name", origin_proto);
  attr("client_name", cl.name);
  attr("reverse_client_name", cl.reverse_name);
  attr("client_address", cl.addr);
  attr("client_port", cl.port);
  attr("server_address", cl.server_addr);
  attr("server_port", cl.server_port);
  if (!helo.empty()) attr("helo_name", helo);
  attr("protocol_name", session_.protocol());
  attr("client_address_type", cl.addr.find(':') != std::string::npos ? "10" : "2");
  if (!ok) {
    mail_stream_.reset();
    session_.queue_id.clear();
  }
  return ok;
}

Engine::Result Engine::rcpt(const std::string& args) {
  if (!in_transaction()) {
    reply("503 5.5.1 Error: need MAIL command");
    return Result::kError;
  }
  auto path = parse_path_args(args, "TO");
  if (!path) {
    reply("501 5.5.4 Syntax: RCPT TO:<address>");
    return Result::kError;
  }
  auto addr = extract_address(path->path, set_.strict_rfc821);
  if (!addr || addr->empty()) {
    util::msg_warn("Illegal address syntax from " + session_.client.namaddr() +
                   " in RCPT command: " + printable_escape(path->path, 100));
    reply("501 5.1.3 Bad recipient address syntax");
    return Result::kError;
  }
  int notify = 0;
  std::string orcpt;
  for (size_t i = 0; i < path->params.size(); ++i) {
    const auto& [name, value] = path->params[i];
    if (name == "NOTIFY") {
      auto n = parse_notify(value);
      if (notify || !n) {
        reply("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        return Result::kError;
      }
      notify = *n;
    } else if (name == "ORCPT") {
      auto semi = value.find(';');
      auto d = semi == std::string::npos ? std::nullopt : xtext_decode(value.substr(semi + 1));
      if (!orcpt.empty() || !d || semi == 0 || d->empty() || value.size() > 500) {
        reply("501 5.5.4 Error: Bad ORCPT parameter syntax");
        return Result::kError;
      }
      orcpt = value.substr(0, semi) + ";" + *d;
    } else {
      reply("555 5.5.4 Unsupported option: " + path->raw_params[i]);
      return Result::kError;
    }
  }
  ++session_.rcpt_count;
  if (set_.recipient_limit > 0 &&
      static_cast<long>(session_.recipients.size()) >= set_.recipient_limit) {
    reply("452 4.5.3 Error: too many recipients");
    // Postfix lets a client overshoot a little before it counts as an error.
    return session_.rcpt_count - set_.recipient_limit > set_.recipient_overshoot_limit
               ? Result::kError
               : Result::kNotCounted;
  }
  session_.recipient = *addr;
  auto refuse = [&](const SmtpReply& r) {
    log_reject("RCPT", r);
    reply(r);
    session_.recipient.clear();
    return Result::kError;
  };
  if (svc_.anvil) {
    if (auto r = svc_.anvil->on_rcpt(session_)) return refuse(*r);
  }
  if (svc_.restrictions) {
    svc_.restrictions->note_pipelining(session_, stream_.buffered() > 0);
    if (auto r = svc_.restrictions->on_rcpt(session_)) {
      // The restriction engine logs its own reject lines.
      reply(*r);
      session_.recipient.clear();
      return Result::kError;
    }
  }
  // Before the queue file exists, as in Postfix (a first refused
  // recipient logs NOQUEUE).
  if (milters_) {
    std::vector<std::string> params(path->raw_params.begin(), path->raw_params.end());
    if (milter_verdict("RCPT", milters_->rcpt(session_, params))) {
      session_.recipient.clear();
      return Result::kError;
    }
  }
  if (!mail_stream_ && !open_mail_stream()) {
    reply("451 4.3.0 Error: queue file write error");
    session_.recipient.clear();
    return Result::kError;
  }
  bool ok = true;
  if (notify)
    ok = ok && mail_stream_->write_record(rec::kAttr, "notify_flags=" + std::to_string(notify))
                   .has_value();
  // Stand-alone, every recipient carries its original form (pickup's
  // cleanup would otherwise make one from the rewritten address).
  if (orcpt.empty() && svc_.stand_alone) orcpt = "rfc822;" + *addr;
  if (!orcpt.empty())
    ok = ok && mail_stream_->write_record(rec::kAttr, "dsn_orig_rcpt=" + orcpt).has_value();
  ok = ok && mail_stream_->write_record(rec::kRcpt, *addr).has_value();
  if (!ok) write_failed_ = true;
  session_.recipients.push_back(*addr);
  reply("250 2.1.5 Ok");
  return Result::kOk;
}

}  // namespace smtpd
