#include "smtp/smtp_tls.h"

#include "libutil/log.h"
#include "libutil/strings.h"

namespace smtp {

std::optional<TlsLevel> parse_tls_level(std::string_view word) {
  std::string w = util::lowercase(word);
  if (w == "none") return TlsLevel::kNone;
  if (w == "may" || w == "dane") return TlsLevel::kMay;
  if (w == "encrypt") return TlsLevel::kEncrypt;
  if (w == "verify") return TlsLevel::kVerify;
  if (w == "secure" || w == "dane-only" || w == "fingerprint") return TlsLevel::kSecure;
  return std::nullopt;
}

std::optional<TlsPolicy> parse_tls_policy(std::string_view value) {
  auto words = conf::Config::split_list(value);
  if (words.empty()) return std::nullopt;
  auto level = parse_tls_level(words[0]);
  if (!level) return std::nullopt;
  TlsPolicy p;
  p.level = *level;
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (w.starts_with("match=")) {
      std::string_view names = w.substr(6);
      size_t at = 0;
      while (at <= names.size()) {
        size_t colon = names.find(':', at);
        if (colon == std::string_view::npos) colon = names.size();
        if (colon > at) p.match.emplace_back(names.substr(at, colon - at));
        at = colon + 1;
      }
    }
  }
  return p;
}

TlsClient::TlsClient(const conf::Config& config, const std::string& prefix) : prefix_(prefix) {
  std::string level_word = config.get(prefix + "tls_security_level");
  if (level_word.empty()) {
    // Legacy switches, as Postfix: enforce_tls means encrypt (verify when
    // enforce_peername is on), use_tls means may.
    if (config.get_bool(prefix + "enforce_tls"))
      default_level_ =
          config.get_bool(prefix + "tls_enforce_peername") ? TlsLevel::kVerify : TlsLevel::kEncrypt;
    else if (config.get_bool(prefix + "use_tls"))
      default_level_ = TlsLevel::kMay;
  } else {
    auto level = parse_tls_level(level_word);
    if (!level)
      util::msg_fatal("invalid " + prefix + "tls_security_level value: \"" + level_word + "\"");
    default_level_ = *level;
  }
  for (const auto& name : config.get_list(prefix + "tls_policy_maps")) {
    auto dict = util::dict_open(name);
    if (!dict) util::msg_fatal(dict.error().message);
    policy_maps_.push_back(std::move(*dict));
  }
  if (default_level_ == TlsLevel::kNone && policy_maps_.empty()) return;
  util::TlsClientSettings s;
  s.ca_file = config.get(prefix + "tls_CAfile");
  s.ca_path = config.get(prefix + "tls_CApath");
  s.cert_file = config.get(prefix + "tls_cert_file");
  s.key_file = config.get(prefix + "tls_key_file");
  s.protocols = config.get(prefix + "tls_mandatory_protocols");
  auto ctx = util::TlsContext::client(s);
  if (ctx) {
    context_ = std::move(*ctx);
  } else {
    // First line: what failed (naming the file); then the library's lines.
    context_error_ = ctx.error().message;
    size_t at = 0;
    while (at < context_error_.size()) {
      size_t nl = context_error_.find('\n', at);
      if (nl == std::string::npos) nl = context_error_.size();
      util::msg_warn(context_error_.substr(at, nl - at));
      at = nl + 1;
    }
  }
}

util::Result<TlsPolicy> TlsClient::policy_for(const std::string& nexthop, const std::string& host) {
  TlsPolicy p;
  p.level = default_level_;
  if (p.level >= TlsLevel::kVerify) p.match = {host};
  for (auto& dict : policy_maps_) {
    for (const std::string& key : {nexthop, host}) {
      if (key.empty()) continue;
      auto found = dict->lookup(util::lowercase(key));
      if (!found)
        return util::fail(prefix_ + "tls_policy_maps lookup error for \"" + key +
                          "\": " + found.error().message);
      if (!*found) continue;
      auto parsed = parse_tls_policy(**found);
      if (!parsed) return util::fail("Invalid TLS policy for \"" + key + "\": \"" + **found + "\"");
      if (parsed->match.empty() && parsed->level >= TlsLevel::kVerify) parsed->match = {host};
      return *parsed;
    }
  }
  return p;
}

std::optional<Failure> TlsClient::start(Session& session, const TlsPolicy& policy,
                                        const Settings& settings) {
  if (policy.level == TlsLevel::kNone) return std::nullopt;
  const bool required = policy.level >= TlsLevel::kEncrypt;
  auto fail = [&](std::string dsn, std::string text) {
    Failure f;
    f.dsn = std::move(dsn);
    f.text = std::move(text);
    f.relay = session.relay();
    return f;
  };
  if (!session.features.starttls) {
    if (!required) return std::nullopt;
    session.quit();
    return fail("4.7.4", "TLS is required, but was not offered by host " + session.namaddr());
  }
  if (!context_) {
    if (!required) return std::nullopt;
    session.quit();
    return fail("4.7.5", "TLS is required, but our TLS engine is unavailable");
  }
  const auto timeout = settings.timeouts.starttls;
  if (auto s = session.send("STARTTLS", timeout); !s)
    return session.io_failure(s.error(), "sending the STARTTLS command");
  auto reply = session.read_reply(timeout);
  if (!reply) return session.io_failure(reply.error(), "receiving the STARTTLS response");
  if (reply->code / 100 != 2) {
    if (!required) return std::nullopt;
    session.quit();
    Failure f = session.reply_failure(*reply, "STARTTLS");
    f.dsn = "4" + f.dsn.substr(1);
    return f;
  }
  session.stream().set_timeout(timeout);
  auto info =
      util::tls_connect(session.stream(), *context_, session.target().hostname, policy.match);
  if (!info) {
    // The connection is unusable after a failed handshake, at any level.
    session.broken = true;
    return fail("4.7.5", "Cannot start TLS: handshake failure");
  }
  if (policy.level >= TlsLevel::kVerify && !info->verified) {
    session.broken = true;
    const char* why =
        info->trusted ? "Server certificate not verified" : "Server certificate not trusted";
    util::msg_info(std::string(info->trusted ? "server certificate verification failed for "
                                             : "certificate verification failed for ") +
                   session.relay() + ": " +
                   (info->trusted ? "hostname mismatch" : "untrusted issuer"));
    return fail("4.7.5", why);
  }
  session.tls_active = true;
  session.tls_verified = info->verified;
  std::string trust = info->verified ? "Verified" : info->trusted ? "Trusted" : "Untrusted";
  std::string line = trust + " TLS connection established to " + session.relay() + ": " +
                     util::tls_describe(*info);
  util::msg_info(line);
  return session.ehlo();
}

}  // namespace smtp
