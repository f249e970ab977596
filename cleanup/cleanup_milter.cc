#include "cleanup/cleanup_milter.h"

#include <map>

#include "libmail/attr.h"
#include "libmail/cleanup_client.h"
#include "libmail/milter_message.h"
#include "libutil/log.h"
#include "libutil/socket.h"

namespace cleanup {

namespace {

constexpr long kMaxMilters = 32;

std::string find_attr(const std::vector<std::pair<std::string, std::string>>& attrs,
                      std::string_view name) {
  for (const auto& [n, v] : attrs)
    if (n == name) return v;
  return "";
}

// The macro values cleanup knows, from the message's own attributes.
std::map<std::string, std::string> message_macros(const mail::NewMessage& m,
                                                  const std::string& queue_id,
                                                  const mail::MilterGlobals& g, bool from_smtpd) {
  std::map<std::string, std::string> v;
  auto post = [&](std::string_view n) { return find_attr(m.post_sender_attributes, n); };
  auto pre = [&](std::string_view n) { return find_attr(m.pre_sender_attributes, n); };
  v["i"] = queue_id;
  v["j"] = g.myhostname;
  v["v"] = g.macro_v;
  v["{daemon_name}"] = g.daemon_name;
  std::string name = from_smtpd ? post("client_name") : "localhost";
  std::string addr = from_smtpd ? post("client_address") : "127.0.0.1";
  v["{client_name}"] = name;
  v["{client_addr}"] = addr;
  if (from_smtpd) {
    v["{client_port}"] = post("client_port");
    v["{daemon_addr}"] = post("server_address");
    v["{if_addr}"] = post("server_address");
    v["{daemon_port}"] = post("server_port");
    v["_"] = name + " [" + addr + "]";
    if (auto s = pre("sasl_method"); !s.empty()) {
      v["{auth_type}"] = s;
      v["{auth_authen}"] = pre("sasl_username");
      if (auto a = pre("sasl_sender"); !a.empty()) v["{auth_author}"] = a;
    }
  } else {
    v["_"] = "localhost [127.0.0.1]";
  }
  v["{mail_addr}"] = m.sender;
  if (!m.recipients.empty()) v["{rcpt_addr}"] = m.recipients.front().address;
  return v;
}

// "milter-reject: END-OF-MESSAGE from host[addr]: TEXT; from=<s> to=<r> proto=P helo=<h>"
std::string action_log(const std::string& action, const std::string& text,
                       const mail::NewMessage& m, bool from_smtpd) {
  auto post = [&](std::string_view n) { return find_attr(m.post_sender_attributes, n); };
  std::string origin = from_smtpd ? post("log_message_origin") : "local";
  if (origin.empty()) origin = "local";
  std::string line = "milter-" + action + ": END-OF-MESSAGE from " + origin + ": " + text + ";";
  line += " from=<" + m.sender + ">";
  if (!m.recipients.empty()) line += " to=<" + m.recipients.front().address + ">";
  if (from_smtpd) {
    line += " proto=" + post("log_protocol_name");
    if (auto h = post("log_helo_name"); !h.empty()) line += " helo=<" + h + ">";
  }
  return line;
}

// A reply as the log shows it: without the SMTP code, one line.
// (Postfix shows the CR LF of a multi-line reply as "??").
std::string log_text(const std::string& reply) {
  std::string t = reply.size() > 4 ? reply.substr(4) : reply;
  for (auto& c : t)
    if (static_cast<unsigned char>(c) < ' ') c = '?';
  return t;
}

// Addresses a milter adds or sets go through qualification and, when the
// client allows it, canonical, masquerade and virtual mapping, as Postfix's
// cleanup does for them.
mail::MilterAddressMapper address_mapper(int flags, const mail::CleanupSettings& settings,
                                         const mail::CleanupTables& tables) {
  const mail::AddressMaps& maps = tables.maps;
  bool map_ok = flags & mail::kCleanupFlagMapOk;
  auto qualify = [&maps](std::string_view a) {
    return maps.qualify && !a.empty() ? maps.qualify(a) : std::string(a);
  };
  mail::MilterAddressMapper m;
  m.sender = [=, &maps](std::string_view address) {
    std::string a = qualify(address);
    if (map_ok && !a.empty()) {
      if (maps.canon_envelope_sender)
        if (auto c = mail::map_canonical(maps, a, true)) a = *c;
      if (maps.masq_envelope_sender) a = mail::masquerade(maps, a);
    }
    return a;
  };
  m.recipient = [=, &maps](std::string_view address) {
    std::string a = qualify(address);
    if (map_ok) {
      if (maps.canon_envelope_recipient)
        if (auto c = mail::map_canonical(maps, a, false)) a = *c;
      if (maps.masq_envelope_recipient) a = mail::masquerade(maps, a);
    }
    std::vector<std::string> finals{a};
    if (map_ok)
      if (auto v = mail::expand_virtual(maps, a)) finals = *v;
    std::vector<mail::NewRecipient> out;
    for (auto& f : finals) {
      mail::NewRecipient r;
      r.address = f;
      if (settings.enable_original_recipient) r.orig = std::string(address);
      r.dsn_orig_rcpt = "rfc822;" + a;
      out.push_back(std::move(r));
    }
    return out;
  };
  return m;
}

}  // namespace

MilterConfig MilterConfig::from_config(const conf::Config& config) {
  MilterConfig c;
  auto list = mail::parse_milter_list(config, "non_smtpd_milters");
  if (!list) util::msg_fatal(list.error().message);
  c.non_smtpd = std::move(*list);
  mail::resolve_milter_hosts(c.non_smtpd);
  c.globals = mail::read_milter_globals(config);
  return c;
}

util::Result<std::vector<mail::Milter>> receive_milters(util::Stream& client, long count) {
  if (count < 0 || count > kMaxMilters) return util::fail("bad milter count");
  mail::AttrList ok;
  ok.add("status", 0);
  if (auto w = mail::write_attrs(client, ok); !w) return std::unexpected(w.error());
  if (client.buffered() != 0) return util::fail("client sent data before the milter fds");
  std::vector<util::Fd> fds;
  for (long i = 0; i < count; ++i) {
    auto fd = util::recv_fd(client.fd(), client.timeout());
    if (!fd) return std::unexpected(fd.error());
    fds.push_back(std::move(*fd));
  }
  std::vector<mail::Milter> out;
  for (long i = 0; i < count; ++i) {
    auto a = mail::read_attrs(client);
    if (!a) return std::unexpected(a.error());
    auto m = mail::Milter::from_attrs(*a, std::move(fds[static_cast<size_t>(i)]));
    if (!m) return util::fail("bad milter state");
    out.push_back(std::move(*m));
  }
  return out;
}

std::string run_milters(std::vector<mail::Milter>& handed_over, bool from_smtpd, int flags,
                        const std::string& queue_id, const MilterConfig& config,
                        const mail::CleanupSettings& settings, const mail::CleanupTables& tables,
                        mail::CleanupOutcome& outcome) {
  mail::NewMessage& msg = outcome.message;
  auto values = message_macros(msg, queue_id, config.globals, from_smtpd);
  mail::MilterMacroLookup lookup = [&values](std::string_view n) -> std::optional<std::string> {
    auto it = values.find(std::string(n));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  std::vector<mail::Milter> own;
  std::vector<mail::Milter>* milters = &handed_over;
  mail::MilterReply early;  // a verdict before the content (non-SMTP only)
  if (!from_smtpd) {
    if (!(flags & mail::kCleanupFlagMilter) || config.non_smtpd.empty()) return "";
    for (const auto& s : config.non_smtpd) {
      own.push_back(mail::Milter::open(s, config.globals.macros));
      mail::Milter& m = own.back();
      auto step = [&](mail::MilterReply r) {
        if (early.verdict == mail::MilterVerdict::kContinue &&
            r.verdict != mail::MilterVerdict::kContinue &&
            r.verdict != mail::MilterVerdict::kAccept)
          early = r;
        return r.verdict == mail::MilterVerdict::kContinue;
      };
      if (!step(m.connect("localhost", "127.0.0.1", 0, lookup))) continue;
      // Postfix sends non-SMTP envelope addresses without <>.
      if (!step(m.mail({msg.sender}, lookup))) continue;
      bool go = true;
      for (const auto& r : msg.recipients) {
        values["{rcpt_addr}"] = r.address;
        if (!(go = step(m.rcpt({r.address}, lookup)))) break;
      }
      if (!msg.recipients.empty()) values["{rcpt_addr}"] = msg.recipients.front().address;
      if (go) step(m.data(lookup));
    }
    milters = &own;
  }
  mail::MilterContentOutcome result;
  if (early.verdict != mail::MilterVerdict::kContinue)
    result.reply = early;
  else
    // The Received: header smtpd or pickup put on top is not shown.
    result = mail::run_milter_content(*milters, msg, lookup, true,
                                      address_mapper(flags, settings, tables));
  for (auto& m : own) m.quit();

  using V = mail::MilterVerdict;
  switch (result.reply.verdict) {
    case V::kReject:
      outcome.status |= mail::kCleanupStatCont;
      // A bounce notice takes one line; smtpd passes multi-line replies on.
      outcome.reason = from_smtpd ? result.reply.text
                                  : result.reply.text.substr(0, 4) + log_text(result.reply.text);
      outcome.log.push_back(action_log("reject", log_text(result.reply.text), msg, from_smtpd));
      break;
    case V::kTempfail:
      outcome.status |= mail::kCleanupStatDefer;
      outcome.reason = result.reply.text;
      outcome.log.push_back(action_log("reject", log_text(result.reply.text), msg, from_smtpd));
      break;
    case V::kDiscard:
      outcome.discard = true;
      outcome.log.push_back(
          action_log("discard", "milter triggers DISCARD action", msg, from_smtpd));
      break;
    case V::kQuarantine:
      result.hold = true;
      result.hold_reason = result.reply.text;
      break;
    case V::kContinue:
    case V::kAccept:
      break;
  }
  if (result.hold && outcome.status == 0 && !outcome.discard) {
    outcome.hold = true;
    outcome.log.push_back(action_log("hold", "milter triggers HOLD action", msg, from_smtpd));
  }
  std::string failed;
  for (const auto& m : handed_over)
    if (m.failed()) failed += (failed.empty() ? "" : " ") + m.name();
  return failed;
}

}  // namespace cleanup
