// smtpd::SaslServer on Cyrus libsasl2 (see sasl_server.h). Replies and log
// lines are Postfix 3.7's, observed on the real thing:
//   AUTH with a wrong argument count  501 5.5.4 Syntax: AUTH mechanism
//   "*" in the exchange               501 5.7.0 Authentication aborted
//   libsasl2 says no                  535 5.7.8 Error: authentication failed: TEXT
//   libsasl2 says try again           454 4.7.0 Temporary authentication failure: TEXT
//   bad base64                        535 ... : bad protocol / cancel (libsasl2's
//                                     decoder status, as Postfix)
// When the stream fails during the exchange, run_auth does what Postfix's
// smtpd does at that point: logs "timeout after AUTH from CLIENT" (and
// sends 421 4.4.2 HOST Error: timeout exceeded) or "lost connection after
// AUTH from CLIENT", then shuts the socket down so the engine's next write
// or read fails and it ends the session with its disconnect line. The 421
// it returns is for the engine's bookkeeping; sending it fails quietly.
#include "smtpd/sasl_server.h"

#include <strings.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "build_paths.h"
#include "libmail/match_list.h"
#include "libmail/sasl_codec.h"
#include "libmail/sasl_options.h"
#include "libutil/dict.h"
#include "libutil/log.h"
#include "smtpd/sasl_cyrus.h"

namespace smtpd {
namespace {

class NoSasl final : public SaslServer {
 public:
  bool enabled() const override { return false; }
  std::string mechanisms(const Session&) const override { return ""; }
  SmtpReply run_auth(util::Stream&, Session&, std::string_view) override {
    return SmtpReply{503, "5.5.1", "Error: authentication not enabled"};
  }
};

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

struct Settings {
  std::string service;       // smtpd_sasl_service
  std::string local_domain;  // smtpd_sasl_local_domain
  unsigned plain_flags = 0;  // smtpd_sasl_security_options
  unsigned tls_flags = 0;    // smtpd_sasl_tls_security_options
  bool tls_auth_only = false;
  size_t response_limit = 12288;  // smtpd_sasl_response_limit
  std::string myhostname;         // for the 421 timeout reply
};

class CyrusSasl final : public SaslServer {
 public:
  CyrusSasl(Settings settings, mail::SaslMechanismFilter filter,
            std::optional<mail::MatchList> exceptions)
      : settings_(std::move(settings)),
        filter_(std::move(filter)),
        exceptions_(std::move(exceptions)) {}

  bool enabled() const override { return true; }

  std::string mechanisms(const Session& session) const override {
    if (!active(session)) return "";
    // smtpd_sasl_exceptions_networks: these clients are not offered AUTH
    // (an AUTH command from them still works, as in Postfix 3.7.11).
    if (exceptions_) {
      auto excepted = exceptions_->match_host(session.client.name, session.client.addr);
      if (!excepted) {
        util::msg_warn("smtpd_sasl_exceptions_networks: " + excepted.error().message);
      } else if (*excepted) {
        return "";
      }
    }
    cyrus::Conn conn = new_conn(session);
    const char* list = nullptr;
    unsigned len = 0;
    int count = 0;
    std::string offered;
    if (conn && sasl_listmech(conn.get(), nullptr, "", " ", "", &list, &len, &count) == SASL_OK &&
        list != nullptr) {
      for (const std::string& mech : split_words(std::string_view(list, len))) {
        if (filter_.accepts(mech)) offered += (offered.empty() ? "" : " ") + mech;
      }
    }
    if (offered.empty()) {
      // Postfix cannot run a session that promised AUTH and has nothing.
      util::msg_warn("xsasl_cyrus_server_get_mechanism_list: no applicable SASL mechanisms");
      util::msg_fatal("no SASL authentication mechanisms");
    }
    return offered;
  }

  SmtpReply run_auth(util::Stream& stream, Session& session, std::string_view args) override {
    if (!active(session)) return SmtpReply{503, "5.5.1", "Error: authentication not enabled"};
    if (session.sender.has_value()) {
      return SmtpReply{503, "5.5.1", "Error: MAIL transaction in progress"};
    }
    if (!session.sasl_username.empty()) {
      return SmtpReply{503, "5.5.1", "Error: already authenticated"};
    }
    std::vector<std::string> words = split_words(args);
    if (words.empty() || words.size() > 2) return SmtpReply{501, "5.5.4", "Syntax: AUTH mechanism"};
    const std::string& method = words[0];

    // A fresh context per attempt: libsasl2 state after a failure is not
    // to be reused (Postfix does the same).
    cyrus::Conn conn = new_conn(session);
    if (!conn) return fail(session, method, nullptr, SASL_FAIL);

    const char* out = nullptr;
    unsigned out_len = 0;
    int status;
    if (words.size() == 2) {
      auto decoded = mail::sasl_decode64(words[1], settings_.response_limit);
      if (!decoded) return fail(session, method, conn.get(), decoded.error());
      status = sasl_server_start(conn.get(), method.c_str(), decoded->data(),
                                 static_cast<unsigned>(decoded->size()), &out, &out_len);
    } else {
      status = sasl_server_start(conn.get(), method.c_str(), nullptr, 0, &out, &out_len);
    }

    while (status == SASL_CONTINUE) {
      auto challenge = mail::sasl_encode64(std::string_view(out ? out : "", out ? out_len : 0));
      if (!challenge) return fail(session, method, conn.get(), SASL_FAIL);
      if (auto w = stream.write("334 " + *challenge + "\r\n"); !w) {
        return io_failure(stream, session, w.error());
      }
      if (auto f = stream.flush(); !f) return io_failure(stream, session, f.error());

      auto line = stream.read_line(settings_.response_limit);
      if (!line) return io_failure(stream, session, line.error());
      if (line->end == util::LineEnd::kEof) {
        return io_failure(stream, session, util::Error{"eof", 0, util::ErrorKind::kEof});
      }
      if (line->end == util::LineEnd::kTooLong) {
        if (auto s = stream.skip_rest_of_line(); !s) return io_failure(stream, session, s.error());
        return SmtpReply{500, "5.5.6", "Authentication exchange line is too long"};
      }
      std::string response = std::move(line->text);
      if (!response.empty() && response.back() == '\r') response.pop_back();
      if (response == "*") {
        util::msg_warn(session.client.namaddr() + ": SASL " + method + " authentication aborted");
        return SmtpReply{501, "5.7.0", "Authentication aborted"};
      }
      auto decoded = mail::sasl_decode64(response, settings_.response_limit);
      if (!decoded) return fail(session, method, conn.get(), decoded.error());
      status = sasl_server_step(conn.get(), decoded->data(), static_cast<unsigned>(decoded->size()),
                                &out, &out_len);
    }
    if (status != SASL_OK) return fail(session, method, conn.get(), status);

    std::string username = username_of(conn.get());
    if (username.empty()) util::msg_panic("run_auth: no username after successful authentication");
    session.sasl_username = std::move(username);
    session.sasl_method = method;
    return SmtpReply{235, "2.7.0", "Authentication successful"};
  }

 private:
  bool active(const Session& session) const {
    return !(settings_.tls_auth_only && !session.tls_active);
  }

  cyrus::Conn new_conn(const Session& session) const {
    std::string local;
    std::string remote;
    if (!session.client.server_addr.empty() && !session.client.server_port.empty()) {
      local = session.client.server_addr + ";" + session.client.server_port;
    }
    if (!session.client.addr.empty() && !session.client.port.empty()) {
      remote = session.client.addr + ";" + session.client.port;
    }
    sasl_conn_t* raw = nullptr;
    int status = sasl_server_new(
        settings_.service.c_str(), nullptr,
        settings_.local_domain.empty() ? nullptr : settings_.local_domain.c_str(),
        local.empty() ? nullptr : local.c_str(), remote.empty() ? nullptr : remote.c_str(), nullptr,
        SASL_SUCCESS_DATA, &raw);
    cyrus::Conn conn(raw);
    if (status != SASL_OK) {
      util::msg_warn("SASL per-connection server initialization: " +
                     mail::sasl_status_text(status));
      return nullptr;
    }
    status = cyrus::set_security(conn.get(),
                                 session.tls_active ? settings_.tls_flags : settings_.plain_flags);
    if (status != SASL_OK) {
      util::msg_warn("SASL per-connection security setup: " + mail::sasl_status_text(status));
      return nullptr;
    }
    return conn;
  }

  static std::string username_of(sasl_conn_t* conn) {
    const void* value = nullptr;
    if (conn == nullptr || sasl_getprop(conn, SASL_USERNAME, &value) != SASL_OK ||
        value == nullptr) {
      return "";
    }
    return static_cast<const char*>(value);
  }

  SmtpReply fail(const Session& session, const std::string& method, sasl_conn_t* conn,
                 int status) const {
    // Privacy, as Postfix: an unknown user looks like a wrong password.
    if (status == SASL_NOUSER) status = SASL_BADAUTH;
    std::string text = mail::sasl_status_text(status);
    std::string username = username_of(conn);
    util::msg_warn(session.client.namaddr() + ": SASL " + method + " authentication failed: " +
                   text + ", sasl_username=" + (username.empty() ? "(unavailable)" : username));
    if (status == SASL_TRYAGAIN || status == SASL_UNAVAIL) {
      return SmtpReply{454, "4.7.0", "Temporary authentication failure: " + text};
    }
    return SmtpReply{535, "5.7.8", "Error: authentication failed: " + text};
  }

  SmtpReply io_failure(util::Stream& stream, const Session& session,
                       const util::Error& error) const {
    std::string where = session.last_command.empty() ? "AUTH" : session.last_command;
    SmtpReply reply{421, "4.4.2", settings_.myhostname + " Error: timeout exceeded"};
    if (error.kind == util::ErrorKind::kTimeout) {
      util::msg_info("timeout after " + where + " from " + session.client.namaddr());
      if (stream.write(reply.line() + "\r\n")) (void)stream.flush();
    } else {
      util::msg_info("lost connection after " + where + " from " + session.client.namaddr());
      reply.text = settings_.myhostname + " Error: lost connection";
    }
    ::shutdown(stream.fd(), SHUT_RDWR);
    return reply;
  }

  Settings settings_;
  mail::SaslMechanismFilter filter_;
  std::optional<mail::MatchList> exceptions_;
};

// Debian's Postfix looks for APP.conf in its config directory's sasl/
// (then the old /usr/lib/sasl2) when cyrus_sasl_config_path is empty.
std::string default_config_path() {
  return std::string(build::kConfigDirectory) + "/sasl:/usr/lib/sasl2";
}

}  // namespace

util::Result<std::unique_ptr<SaslServer>> SaslServer::create(const conf::Config& config) {
  auto enable = config.try_get_bool("smtpd_sasl_auth_enable");
  if (!enable) return std::unexpected(enable.error());
  if (!*enable) return std::make_unique<NoSasl>();

  auto type = config.try_get("smtpd_sasl_type");
  if (!type) return std::unexpected(type.error());
  if (*type != "cyrus") return util::fail("unsupported SASL server implementation: " + *type);

  Settings s;
  auto get = [&](std::string_view name, std::string& out) -> util::Result<void> {
    auto v = config.try_get(name);
    if (!v) return std::unexpected(v.error());
    out = std::move(*v);
    return {};
  };
  std::string path;
  std::string config_path;
  std::string plain_opts;
  std::string tls_opts;
  for (auto r :
       {get("smtpd_sasl_path", path), get("cyrus_sasl_config_path", config_path),
        get("smtpd_sasl_service", s.service), get("smtpd_sasl_local_domain", s.local_domain),
        get("smtpd_sasl_security_options", plain_opts),
        get("smtpd_sasl_tls_security_options", tls_opts)}) {
    if (!r) return std::unexpected(r.error());
  }
  auto plain = mail::parse_sasl_security_options("smtpd_sasl_security_options", plain_opts);
  if (!plain) return std::unexpected(plain.error());
  auto tls = mail::parse_sasl_security_options("smtpd_sasl_tls_security_options", tls_opts);
  if (!tls) return std::unexpected(tls.error());
  s.plain_flags = *plain;
  s.tls_flags = *tls;
  auto auth_only = config.try_get_bool("smtpd_tls_auth_only");
  if (!auth_only) return std::unexpected(auth_only.error());
  s.tls_auth_only = *auth_only;
  auto hostname = config.try_get("myhostname");
  if (!hostname) return std::unexpected(hostname.error());
  s.myhostname = *hostname;
  auto limit = config.try_get_int("smtpd_sasl_response_limit");
  if (!limit) return std::unexpected(limit.error());
  if (*limit > 0) s.response_limit = static_cast<size_t>(*limit);

  auto filter_items = config.try_get_list("smtpd_sasl_mechanism_filter");
  if (!filter_items) return std::unexpected(filter_items.error());
  auto filter = mail::SaslMechanismFilter::create(*filter_items);
  if (!filter) return std::unexpected(filter.error());

  std::optional<mail::MatchList> exceptions;
  auto exceptions_value = config.try_get("smtpd_sasl_exceptions_networks");
  if (!exceptions_value) return std::unexpected(exceptions_value.error());
  if (!mail::split_match_list(*exceptions_value).empty()) {
    auto list = mail::MatchList::parse(*exceptions_value,
                                       mail::MatchListOptions{"smtpd_sasl_exceptions_networks"});
    if (!list) return std::unexpected(list.error());
    exceptions = std::move(*list);
  }

  if (auto init =
          cyrus::server_init(path, config_path.empty() ? default_config_path() : config_path);
      !init) {
    return std::unexpected(init.error());
  }
  return std::make_unique<CyrusSasl>(std::move(s), std::move(*filter), std::move(exceptions));
}

}  // namespace smtpd
