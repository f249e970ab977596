// smtpd's TLS (smtpd_tls.h): the smtpd_tls_* parameters, the server context
// made before chroot, the handshake with Postfix's log lines, and the
// Received header comments.
#include "smtpd/smtpd_tls.h"

#include <chrono>

#include "libmail/tls_params.h"
#include "libutil/log.h"
#include "libutil/tls.h"

namespace smtpd {
namespace {

enum class Level { kNone, kMay, kEncrypt };

// Log each line of an error from util::TlsContext: the first with Postfix's
// suffix, the "TLS library problem" lines as they are.
void warn_context_error(const std::string& message) {
  size_t start = 0;
  bool first = true;
  while (start <= message.size()) {
    size_t nl = message.find('\n', start);
    std::string line = message.substr(start, nl == std::string::npos ? nl : nl - start);
    util::msg_warn(first ? line + ": disabling TLS support" : line);
    first = false;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

class ServerTls final : public SmtpdTls {
 public:
  Level level = Level::kNone;
  bool wrapper = false;
  bool auth_only_ = false;
  bool ask_ccert = false;
  bool received_header = false;
  long loglevel = 0;
  std::chrono::seconds handshake_timeout{300};  // smtpd_starttls_timeout
  std::unique_ptr<util::TlsContext> ctx;        // null: local problem (or level none)
  util::TlsInfo last;                           // the current session's handshake

  bool available() const override { return level != Level::kNone; }
  bool required() const override { return level == Level::kEncrypt; }
  bool auth_only() const override { return auth_only_ || level == Level::kEncrypt; }
  bool wrapper_mode() const override { return wrapper; }
  bool local_problem() const override { return available() && !ctx; }

  util::Result<void> start(util::Stream& stream, Session& session) override {
    if (!ctx) return util::fail("TLS not available due to local problem");
    // Plaintext pipelined behind STARTTLS would otherwise be read as if it
    // had come through TLS: refuse (the engine ends the session).
    if (stream.buffered() != 0)
      return util::fail_kind(util::ErrorKind::kMalformed,
                             "plaintext input pipelined after STARTTLS");
    if (loglevel >= 2) util::msg_info("setting up TLS connection from " + session.client.namaddr());
    // The handshake has its own deadline; the session's comes back after.
    auto saved_timeout = stream.timeout();
    stream.set_timeout(handshake_timeout);
    auto info = util::tls_accept(stream, *ctx);
    stream.set_timeout(saved_timeout);
    if (!info) {
      const auto& err = info.error();
      std::string why = err.kind == util::ErrorKind::kEof       ? "lost connection"
                        : err.kind == util::ErrorKind::kTimeout ? "Connection timed out"
                                                                : "-1";
      util::msg_info("SSL_accept error from " + session.client.namaddr() + ": " + why);
      if (err.kind == util::ErrorKind::kOther) {
        size_t nl = err.message.find('\n');
        while (nl != std::string::npos) {
          size_t next = err.message.find('\n', nl + 1);
          util::msg_warn(
              err.message.substr(nl + 1, next == std::string::npos ? next : next - nl - 1));
          nl = next;
        }
      }
      return std::unexpected(err);
    }
    last = *info;
    session.tls_active = true;
    session.tls_protocol = info->protocol;
    session.tls_cipher = info->cipher;
    session.tls_cipher_bits = info->cipher_bits;
    // RFC 3207: forget what the client said before the handshake.
    session.helo_name.reset();
    session.esmtp = false;
    session.ehlo_seen = false;
    session.reset_transaction();
    if (loglevel >= 1) {
      std::string kind = !info->peer_cert ? "Anonymous" : info->trusted ? "Trusted" : "Untrusted";
      util::msg_info(kind + " TLS connection established from " + session.client.namaddr() + ": " +
                     util::tls_describe(*info));
    }
    return {};
  }

  std::string received_comment(const Session& session) const override {
    if (!received_header || !session.tls_active) return "";
    // The cipher description, broken before "key-exchange" as Postfix does.
    std::string text = util::tls_describe(last);
    size_t kex = text.find(" key-exchange ");
    size_t csig = text.find(" client-signature ");
    std::string out = "(using ";
    if (kex == std::string::npos) {
      out += text + ")";
    } else {
      out += text.substr(0, kex) + "\n\t " +
             text.substr(kex + 1, (csig == std::string::npos ? text.size() : csig) - kex - 1);
      if (csig != std::string::npos) out += "\n\t " + text.substr(csig + 1);
      out += ")";
    }
    out += "\n\t";
    if (!ask_ccert) {
      out += "(No client certificate requested)";
    } else if (!last.peer_cert) {
      out += "(Client did not present a certificate)";
    } else {
      out += "(Client CN \"" + last.peer_cn + "\", Issuer \"" + last.peer_issuer_cn + "\" (" +
             (last.trusted ? "verified OK" : "not verified") + "))";
    }
    return out;
  }
};

util::Result<Level> security_level(const conf::Config& config) {
  auto level = config.try_get("smtpd_tls_security_level");
  if (!level) return std::unexpected(level.error());
  if (level->empty()) {
    // Legacy parameters, used only when the level is not set.
    auto enforce = config.try_get_bool("smtpd_enforce_tls");
    if (!enforce) return std::unexpected(enforce.error());
    if (*enforce) return Level::kEncrypt;
    auto use = config.try_get_bool("smtpd_use_tls");
    if (!use) return std::unexpected(use.error());
    return *use ? Level::kMay : Level::kNone;
  }
  if (*level == "none") return Level::kNone;
  if (*level == "may") return Level::kMay;
  if (*level == "encrypt") return Level::kEncrypt;
  return util::fail("invalid smtpd_tls_security_level value: \"" + *level + "\"");
}

util::Result<util::TlsServerSettings> server_settings(const conf::Config& config, bool mandatory) {
  util::TlsServerSettings s;
  auto get = [&](const char* name, std::string& out) -> util::Result<void> {
    auto v = config.try_get(name);
    if (!v) return std::unexpected(v.error());
    out = *v;
    return {};
  };
  for (auto [name, field] :
       {std::pair{"smtpd_tls_cert_file", &s.cert_file},
        std::pair{"smtpd_tls_key_file", &s.key_file}, std::pair{"smtpd_tls_CAfile", &s.ca_file},
        std::pair{"smtpd_tls_CApath", &s.ca_path},
        std::pair{"smtpd_tls_dh1024_param_file", &s.dh_param_file}}) {
    if (auto r = get(name, *field); !r) return std::unexpected(r.error());
  }
  auto chain = config.try_get_list("smtpd_tls_chain_files");
  if (!chain) return std::unexpected(chain.error());
  s.chain_files = *chain;
  // With smtpd_tls_chain_files set, Postfix ignores the cert/key file pair.
  if (!s.chain_files.empty()) s.cert_file.clear(), s.key_file.clear();
  auto ask = config.try_get_bool("smtpd_tls_ask_ccert");
  if (!ask) return std::unexpected(ask.error());
  s.ask_client_cert = *ask;
  auto depth = config.try_get_int("smtpd_tls_ccert_verifydepth");
  if (!depth) return std::unexpected(depth.error());
  s.verify_depth = static_cast<int>(*depth);

  const char* proto_param = mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
  if (auto r = get(proto_param, s.protocols); !r) return std::unexpected(r.error());
  if (auto r = util::tls_parse_protocols(s.protocols); !r)
    return util::fail(std::string(proto_param) + ": " + r.error().message);

  const char* grade_param = mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
  auto grade = config.try_get(grade_param);
  if (!grade) return std::unexpected(grade.error());
  auto exclude = config.try_get_list("smtpd_tls_exclude_ciphers");
  if (!exclude) return std::unexpected(exclude.error());
  if (mandatory) {
    auto more = config.try_get_list("smtpd_tls_mandatory_exclude_ciphers");
    if (!more) return std::unexpected(more.error());
    exclude->insert(exclude->end(), more->begin(), more->end());
  }
  auto ciphers = mail::tls_cipher_list(config, grade_param, *grade, *exclude);
  if (!ciphers) return std::unexpected(ciphers.error());
  s.ciphers = *ciphers;

  auto eecdh = config.try_get("smtpd_tls_eecdh_grade");
  if (!eecdh) return std::unexpected(eecdh.error());
  auto groups = mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", *eecdh);
  if (!groups) return std::unexpected(groups.error());
  s.groups = *groups;
  return s;
}

}  // namespace

util::Result<std::unique_ptr<SmtpdTls>> SmtpdTls::create(const conf::Config& config) {
  auto tls = std::make_unique<ServerTls>();
  auto level = security_level(config);
  if (!level) return std::unexpected(level.error());
  auto wrapper = config.try_get_bool("smtpd_tls_wrappermode");
  if (!wrapper) return std::unexpected(wrapper.error());
  tls->wrapper = *wrapper;
  // Wrapper mode is TLS from the first byte, whatever the level says.
  tls->level = tls->wrapper && *level == Level::kNone ? Level::kMay : *level;
  if (tls->level == Level::kNone) return std::unique_ptr<SmtpdTls>(std::move(tls));

  for (auto [name, field] : {std::pair{"smtpd_tls_auth_only", &tls->auth_only_},
                             std::pair{"smtpd_tls_ask_ccert", &tls->ask_ccert},
                             std::pair{"smtpd_tls_received_header", &tls->received_header}}) {
    auto v = config.try_get_bool(name);
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  auto loglevel = config.try_get_int("smtpd_tls_loglevel");
  if (!loglevel) return std::unexpected(loglevel.error());
  tls->loglevel = *loglevel;
  auto handshake_timeout = config.try_get_time("smtpd_starttls_timeout");
  if (!handshake_timeout) return std::unexpected(handshake_timeout.error());
  tls->handshake_timeout = std::chrono::seconds(*handshake_timeout);

  // Configuration syntax errors are fatal for the caller; a certificate or
  // key that cannot be read only disables TLS, as Postfix does.
  auto settings = server_settings(config, tls->level == Level::kEncrypt);
  if (!settings) return std::unexpected(settings.error());
  if (settings->cert_file.empty() && settings->chain_files.empty()) {
    util::msg_warn("No server certs available. TLS won't be enabled");
    return std::unique_ptr<SmtpdTls>(std::move(tls));
  }
  auto ctx = util::TlsContext::server(*settings);
  if (!ctx) {
    warn_context_error(ctx.error().message);
    return std::unique_ptr<SmtpdTls>(std::move(tls));
  }
  tls->ctx = std::move(*ctx);
  return std::unique_ptr<SmtpdTls>(std::move(tls));
}

}  // namespace smtpd
