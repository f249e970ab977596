#include "smtp/smtp_transaction.h"

#include "libmail/bounce_notice.h"
#include "libmail/queue_file.h"

namespace smtp {
namespace {

Failure sent_outcome(const Session& session, const Reply& reply) {
  Failure f;
  f.dsn = reply.dsn;
  f.text = reply.text;
  f.relay = session.relay();
  return f;
}

void fail_open(TransactionResult& result, const std::vector<bool>& open, const Failure& why) {
  for (size_t i = 0; i < open.size(); ++i)
    if (open[i]) result.outcomes[i] = why;
}

}  // namespace

std::string mail_command(const mail::DeliveryRequest& request, const Features& features) {
  std::string cmd = "MAIL FROM:<" + request.sender + ">";
  if (features.size && request.data_size > 0) cmd += " SIZE=" + std::to_string(request.data_size);
  if (features.eightbitmime && request.encoding == "8bit") cmd += " BODY=8BITMIME";
  if (features.smtputf8 && (request.smtputf8 & mail::kSmtputf8Requested)) cmd += " SMTPUTF8";
  if (features.dsn) {
    if (request.dsn_ret & mail::kDsnRetFull)
      cmd += " RET=FULL";
    else if (request.dsn_ret & mail::kDsnRetHdrs)
      cmd += " RET=HDRS";
    if (!request.dsn_envid.empty()) cmd += " ENVID=" + xtext(request.dsn_envid);
  }
  return cmd;
}

std::vector<std::string> xforward_commands(const mail::DeliveryRequest& request, int announced) {
  auto known = [](const std::string& v) { return !v.empty() && v != "unknown"; };
  std::string source = request.rewrite_context == "local"    ? "LOCAL"
                       : request.rewrite_context == "remote" ? "REMOTE"
                                                             : "";
  std::string addr = request.log_client_addr;
  if (addr.find(':') != std::string::npos) addr = "IPV6:" + addr;
  struct Item {
    int bit;
    const char* name;
    std::string value;
  };
  // Two commands, as Postfix 3.7.11 sends them: the client, then the rest.
  const std::vector<std::vector<Item>> groups = {
      {{kXforwardName, "NAME", request.log_client_name},
       {kXforwardAddr, "ADDR", addr},
       {kXforwardPort, "PORT", request.log_client_port}},
      {{kXforwardProto, "PROTO", request.log_protocol_name},
       {kXforwardHelo, "HELO", request.log_helo_name},
       {kXforwardIdent, "IDENT", request.log_ident},
       {kXforwardSource, "SOURCE", source}}};
  std::vector<std::string> out;
  for (const auto& group : groups) {
    std::string cmd;
    for (const auto& item : group)
      if ((announced & item.bit) && known(item.value))
        cmd += std::string(" ") + item.name + "=" + xtext(item.value);
    if (!cmd.empty()) out.push_back("XFORWARD" + cmd);
  }
  return out;
}

std::string rcpt_command(const mail::DeliveryRecipient& rcpt, const Features& features) {
  std::string cmd = "RCPT TO:<" + rcpt.address + ">";
  if (features.dsn) {
    // ORCPT goes out even when the client gave none: the original address.
    std::string orcpt = rcpt.dsn_orcpt;
    if (orcpt.empty()) orcpt = "rfc822;" + (rcpt.orig_rcpt.empty() ? rcpt.address : rcpt.orig_rcpt);
    auto semi = orcpt.find(';');
    if (semi != std::string::npos)
      cmd += " ORCPT=" + orcpt.substr(0, semi + 1) + xtext(orcpt.substr(semi + 1));
    if (std::string notify = notify_parameter(rcpt.dsn_notify); !notify.empty())
      cmd += " " + notify;
  }
  return cmd;
}

TransactionResult run_transaction(Session& session, const Settings& settings,
                                  const mail::DeliveryRequest& request,
                                  const std::vector<const mail::DeliveryRecipient*>& recipients,
                                  const std::vector<std::string>& content) {
  TransactionResult result;
  const size_t n = recipients.size();
  result.outcomes.resize(n);
  std::vector<bool> open(n, true);
  const Timeouts& t = settings.timeouts;
  const Features& features = session.features;
  const bool lmtp = settings.protocol == Protocol::kLmtp;

  auto lost = [&](const util::Error& e, const char* stage) {
    fail_open(result, open, session.io_failure(e, stage));
    result.transaction_failed = true;
    return result;
  };

  // SIZE: do not offer what the server already said it refuses.
  if (features.size_limit > 0 && request.data_size > features.size_limit) {
    Failure f;
    f.dsn = "5.3.4";
    f.relay = session.relay();
    f.text = "message size " + std::to_string(request.data_size) + " exceeds size limit " +
             std::to_string(features.size_limit) + " of server " + session.namaddr();
    fail_open(result, open, f);
    return result;
  }

  // Mail whose client asked for SMTPUTF8 cannot go to a server without it
  // when a header or an envelope address is not ASCII; otherwise it goes
  // as it is (Postfix 3.7: mail that did not ask is never refused here).
  if ((request.smtputf8 & mail::kSmtputf8Requested) && !features.smtputf8) {
    auto non_ascii = [](std::string_view text) {
      for (unsigned char c : text)
        if (c >= 0x80) return true;
      return false;
    };
    bool needed = (request.smtputf8 & mail::kSmtputf8Header) || non_ascii(request.sender);
    for (const auto* r : recipients) needed = needed || non_ascii(r->address);
    if (needed) {
      Failure f;
      f.dsn = "5.6.7";
      f.relay = session.relay();
      f.text = "SMTPUTF8 is required, but was not offered by host " + session.namaddr();
      fail_open(result, open, f);
      return result;
    }
  }

  // XFORWARD before MAIL, one command at a time.
  if (settings.send_xforward && features.xforward) {
    for (const auto& cmd : xforward_commands(request, features.xforward)) {
      if (auto s = session.send(cmd, t.xforward); !s) return lost(s.error(), "sending XFORWARD");
      auto r = session.read_reply(t.xforward);
      if (!r) return lost(r.error(), "sending XFORWARD");
      if (r->code / 100 != 2) {
        fail_open(result, open, session.reply_failure(*r, "XFORWARD"));
        result.transaction_failed = true;
        session.reset();
        return result;
      }
    }
  }

  // MAIL and RCPT: all at once with PIPELINING, else one by one.
  const bool pipelining = features.pipelining;
  if (auto s = session.send(mail_command(request, features), t.mail); !s)
    return lost(s.error(), "sending MAIL FROM");
  std::optional<Reply> mail_reply;
  if (!pipelining) {
    auto r = session.read_reply(t.mail);
    if (!r) return lost(r.error(), "sending MAIL FROM");
    mail_reply = *r;
    if (r->code / 100 != 2) {
      fail_open(result, open, session.reply_failure(*r, "MAIL FROM"));
      result.transaction_failed = true;
      session.reset();
      return result;
    }
  }
  size_t accepted = 0;
  std::vector<bool> rcpt_ok(n, false);
  if (pipelining) {
    for (size_t i = 0; i < n; ++i)
      if (auto s = session.send(rcpt_command(*recipients[i], features), t.rcpt); !s)
        return lost(s.error(), "sending RCPT TO");
    auto r = session.read_reply(t.mail);
    if (!r) return lost(r.error(), "sending MAIL FROM");
    mail_reply = *r;
  }
  const bool mail_ok = mail_reply->code / 100 == 2;
  for (size_t i = 0; i < n; ++i) {
    if (!pipelining) {
      if (auto s = session.send(rcpt_command(*recipients[i], features), t.rcpt); !s)
        return lost(s.error(), "sending RCPT TO");
    }
    auto r = session.read_reply(t.rcpt);
    if (!r) return lost(r.error(), "sending RCPT TO");
    if (!mail_ok) continue;  // pipelined RCPT replies after a refused MAIL
    if (r->code / 100 == 2) {
      rcpt_ok[i] = true;
      ++accepted;
    } else {
      result.outcomes[i] = session.reply_failure(*r, "RCPT TO");
      open[i] = false;
    }
  }
  if (!mail_ok) {
    fail_open(result, open, session.reply_failure(*mail_reply, "MAIL FROM"));
    result.transaction_failed = true;
    session.reset();
    return result;
  }
  if (accepted == 0) {
    session.reset();
    return result;
  }

  // DATA.
  if (auto s = session.send("DATA", t.data_init); !s)
    return lost(s.error(), "sending DATA command");
  auto r = session.read_reply(t.data_init);
  if (!r) return lost(r.error(), "sending DATA command");
  if (r->code != 354) {
    fail_open(result, open, session.reply_failure(*r, "DATA"));
    result.transaction_failed = true;
    session.reset();
    return result;
  }
  util::Stream& stream = session.stream();
  stream.set_timeout(t.data_xfer);
  std::string chunk;
  const size_t limit =
      settings.line_length_limit > 0 ? static_cast<size_t>(settings.line_length_limit) : 0;
  for (const auto& line : content) {
    append_data_line(chunk, line, limit);
    if (chunk.size() >= 65536) {
      if (auto w = stream.write(chunk); !w) {
        session.broken = true;
        return lost(w.error(), "sending message body");
      }
      chunk.clear();
    }
  }
  chunk += ".\r\n";
  if (auto w = stream.write(chunk); !w) {
    session.broken = true;
    return lost(w.error(), "sending message body");
  }
  if (auto f = session.flush(t.data_xfer); !f) return lost(f.error(), "sending message body");

  // End of data: one reply (SMTP) or one per accepted recipient (LMTP).
  const char* stage = "sending end of data -- message may be sent more than once";
  if (!lmtp) {
    auto done = session.read_reply(t.data_done);
    if (!done) return lost(done.error(), stage);
    Failure why = done->code / 100 == 2 ? sent_outcome(session, *done)
                                        : session.reply_failure(*done, "end of DATA");
    if (!why.sent()) result.transaction_failed = true;
    fail_open(result, open, why);
    return result;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!rcpt_ok[i]) continue;
    auto done = session.read_reply(t.data_done);
    if (!done) {
      // Recipients whose reply never came: as lost.
      for (size_t j = i; j < n; ++j)
        if (rcpt_ok[j]) result.outcomes[j] = session.io_failure(done.error(), stage);
      return result;
    }
    result.outcomes[i] = done->code / 100 == 2 ? sent_outcome(session, *done)
                                               : session.reply_failure(*done, "end of DATA");
    open[i] = false;
  }
  return result;
}

}  // namespace smtp
