#include "smtpd/smtpd_milter.h"

#include <charconv>
#include <map>

#include "libconf/config.h"

namespace smtpd {

mail::MilterMacroLookup SmtpdMilters::lookup(const Session& s) const {
  std::map<std::string, std::string> v;
  v["j"] = globals_.myhostname;
  v["v"] = globals_.macro_v;
  v["{daemon_name}"] = globals_.daemon_name;
  v["{daemon_addr}"] = s.client.server_addr;
  v["{daemon_port}"] = s.client.server_port;
  v["{if_addr}"] = s.client.server_addr;
  v["{client_addr}"] = s.client.addr;
  v["{client_name}"] = s.client.name;
  v["{client_port}"] = s.client.port;
  v["{client_ptr}"] = s.client.reverse_name;
  v["_"] = s.client.name + " [" + s.client.addr + "]";
  if (!s.queue_id.empty()) v["i"] = s.queue_id;
  if (s.sender) {
    v["{mail_addr}"] = *s.sender;
    v["{mail_mailer}"] = "smtp";
  }
  if (!s.recipient.empty()) v["{rcpt_addr}"] = s.recipient;
  if (!s.sasl_method.empty()) {
    v["{auth_type}"] = s.sasl_method;
    v["{auth_authen}"] = s.sasl_username;
    if (!s.sasl_sender.empty()) v["{auth_author}"] = s.sasl_sender;
  }
  if (s.tls_active) {
    v["{tls_version}"] = s.tls_protocol;
    v["{cipher}"] = s.tls_cipher;
    v["{cipher_bits}"] = std::to_string(s.tls_cipher_bits);
  }
  return [v = std::move(v)](std::string_view name) -> std::optional<std::string> {
    auto it = v.find(std::string(name));
    if (it == v.end()) return std::nullopt;
    return it->second;
  };
}

template <class F>
mail::MilterReply SmtpdMilters::each(F&& call) {
  for (auto& m : milters_) {
    mail::MilterReply r = call(m);
    if (r.verdict == mail::MilterVerdict::kContinue || r.verdict == mail::MilterVerdict::kAccept)
      continue;
    return r;
  }
  return {};
}

mail::MilterReply SmtpdMilters::connect(const Session& s) {
  if (!enabled()) return {};
  for (const auto& setting : settings_)
    milters_.push_back(mail::Milter::open(setting, globals_.macros));
  auto macros = lookup(s);
  int port = 0;
  (void)std::from_chars(s.client.port.data(), s.client.port.data() + s.client.port.size(), port);
  // An unverified client is "[addr]" to a milter, as Postfix sends it.
  std::string host = s.client.name == "unknown" ? "[" + s.client.addr + "]" : s.client.name;
  return each([&](mail::Milter& m) { return m.connect(host, s.client.addr, port, macros); });
}

mail::MilterReply SmtpdMilters::helo(const Session& s) {
  auto macros = lookup(s);
  return each([&](mail::Milter& m) { return m.helo(s.helo_name.value_or(""), macros); });
}

mail::MilterReply SmtpdMilters::mail(const Session& s, const std::vector<std::string>& params) {
  in_message_ = true;
  auto macros = lookup(s);
  std::vector<std::string> args{"<" + s.sender.value_or("") + ">"};
  args.insert(args.end(), params.begin(), params.end());
  return each([&](mail::Milter& m) { return m.mail(args, macros); });
}

mail::MilterReply SmtpdMilters::rcpt(const Session& s, const std::vector<std::string>& params) {
  auto macros = lookup(s);
  std::vector<std::string> args{"<" + s.recipient + ">"};
  args.insert(args.end(), params.begin(), params.end());
  return each([&](mail::Milter& m) { return m.rcpt(args, macros); });
}

mail::MilterReply SmtpdMilters::data(const Session& s) {
  auto macros = lookup(s);
  return each([&](mail::Milter& m) { return m.data(macros); });
}

std::vector<const mail::Milter*> SmtpdMilters::for_cleanup() const {
  std::vector<const mail::Milter*> out;
  for (const auto& m : milters_)
    if (m.message_active()) out.push_back(&m);
  return out;
}

void SmtpdMilters::message_done(const std::string& failed) {
  auto names = conf::Config::split_list(failed);
  for (auto& m : milters_) {
    m.end_message();
    for (const auto& n : names)
      if (n == m.name()) m.mark_failed();
  }
  in_message_ = false;
}

void SmtpdMilters::abort() {
  if (!in_message_) return;
  for (auto& m : milters_) m.abort();
  in_message_ = false;
}

void SmtpdMilters::quit() {
  for (auto& m : milters_) m.quit();
  milters_.clear();
}

}  // namespace smtpd
