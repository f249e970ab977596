// smtp::SaslClient on Cyrus libsasl2 (see sasl_client.h). Failure texts are
// Postfix's: "SASL authentication failed; server H[A] said: 535 ...",
// "SASL authentication failed; cannot authenticate to server H[A]: no
// mechanism available"; with smtp_sasl_auth_soft_bounce (default) a 5xx
// reply defers (its dsn's class becomes 4).
#include "smtp/sasl_client.h"

#include <sasl/sasl.h>
#include <sasl/saslutil.h>
#include <strings.h>

#include <cstring>
#include <utility>

#include "libmail/sasl_codec.h"
#include "libmail/sasl_options.h"
#include "libutil/dict.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace smtp {
namespace {

using SaslProc = int (*)(void);
template <class F>
SaslProc as_proc(F* f) {
  return reinterpret_cast<SaslProc>(reinterpret_cast<void (*)()>(f));
}

int log_callback(void*, int level, const char* message) {
  if (message == nullptr) return SASL_OK;
  if (level == SASL_LOG_ERR || level == SASL_LOG_WARN) {
    util::msg_warn(std::string("SASL authentication problem: ") + message);
  } else if (level == SASL_LOG_FAIL) {
    util::msg_warn(std::string("SASL authentication failure: ") + message);
  }  // NOTE and below (PASS may hold the password): never
  return SASL_OK;
}

sasl_callback_t g_global_callbacks[] = {
    {SASL_CB_LOG, nullptr, nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr},
};

util::Result<void> client_init() {
  static int status = -1;
  if (status == -1) {
    g_global_callbacks[0].proc = as_proc(&log_callback);
    status = sasl_client_init(g_global_callbacks);
  }
  if (status != SASL_OK) {
    const char* text = sasl_errstring(status, nullptr, nullptr);
    return util::fail(std::string("SASL library initialization: ") + (text ? text : "error"));
  }
  return {};
}

// "host[addr]" for messages: Postfix names the server without the port
// here even where its log's relay= has it, so a ":port" after "]" goes.
std::string server_name(const SaslPeer& peer) {
  std::string name = peer.namaddr;
  size_t bracket = name.rfind(']');
  if (bracket != std::string::npos && bracket + 1 < name.size() && name[bracket + 1] == ':') {
    name.resize(bracket + 1);
  }
  return name;
}

// The per-connection state libsasl2's callbacks read: it must outlive the
// sasl_conn_t, so the connection is disposed of first (member order).
struct ConnState {
  std::string authzid;  // "" unless send_cyrus_sasl_authzid
  std::string username;
  std::vector<unsigned char> secret;  // a sasl_secret_t with the password
  sasl_callback_t callbacks[4]{};
  struct Dispose {
    void operator()(sasl_conn_t* c) const {
      if (c) sasl_dispose(&c);
    }
  };
  std::unique_ptr<sasl_conn_t, Dispose> conn;

  ~ConnState() {
    conn.reset();
    // The password leaves memory with the connection.
    std::memset(secret.data(), 0, secret.size());
  }

  static int get_simple(void* context, int id, const char** result, unsigned* len) {
    auto* self = static_cast<ConnState*>(context);
    const std::string* value = nullptr;
    if (id == SASL_CB_USER) value = &self->authzid;
    if (id == SASL_CB_AUTHNAME) value = &self->username;
    if (value == nullptr) return SASL_FAIL;
    *result = value->c_str();
    if (len) *len = static_cast<unsigned>(value->size());
    return SASL_OK;
  }

  static int get_secret(sasl_conn_t*, void* context, int id, sasl_secret_t** psecret) {
    if (id != SASL_CB_PASS) return SASL_FAIL;
    auto* self = static_cast<ConnState*>(context);
    *psecret = reinterpret_cast<sasl_secret_t*>(self->secret.data());
    return SASL_OK;
  }
};

class NoSaslClient final : public SaslClient {
 public:
  bool enabled() const override { return false; }
  util::Result<std::optional<SaslCredentials>> find_credentials(const SaslPeer&,
                                                                std::string_view) override {
    return std::nullopt;
  }
  std::string filter_mechanisms(std::string_view offered) const override {
    return std::string(offered);
  }
  SaslOutcome authenticate(const SaslPeer&, const SaslCredentials&, const SaslSendLine&,
                           const SaslReadReply&) override {
    SaslOutcome out;
    out.status = SaslStatus::kSkipped;
    return out;
  }
  SaslOutcome login(const SaslPeer&, std::string_view, const SaslSendLine&,
                    const SaslReadReply&) override {
    return SaslOutcome{};
  }
};

struct ClientSettings {
  std::string service = "smtp";
  unsigned plain_flags = 0;
  unsigned tls_flags = 0;
  unsigned verified_flags = 0;
  bool sender_dependent = false;
  bool soft_bounce = true;
  bool send_authzid = false;
  std::string recipient_delimiter;
};

class CyrusSaslClient final : public SaslClient {
 public:
  CyrusSaslClient(ClientSettings settings, std::vector<std::unique_ptr<util::Dict>> maps,
                  mail::SaslMechanismFilter filter)
      : settings_(std::move(settings)), maps_(std::move(maps)), filter_(std::move(filter)) {}

  bool enabled() const override { return true; }

  util::Result<std::optional<SaslCredentials>> find_credentials(const SaslPeer& peer,
                                                                std::string_view sender) override {
    std::vector<std::string> keys;
    if (settings_.sender_dependent && !sender.empty()) {
      // As mail_addr_find: the address, without its extension, then @domain.
      std::string address(sender);
      keys.push_back(address);
      size_t at = address.rfind('@');
      std::string local = at == std::string::npos ? address : address.substr(0, at);
      std::string domain = at == std::string::npos ? "" : address.substr(at);
      if (!settings_.recipient_delimiter.empty()) {
        size_t cut = local.find_first_of(settings_.recipient_delimiter);
        if (cut != std::string::npos && cut > 0) keys.push_back(local.substr(0, cut) + domain);
      }
      if (!domain.empty()) keys.push_back(domain);
    }
    if (!peer.host.empty()) keys.push_back(peer.host);
    if (!peer.nexthop.empty() && peer.nexthop != peer.host) keys.push_back(peer.nexthop);

    for (const std::string& key : keys) {
      for (const auto& map : maps_) {
        auto found = map->lookup(key);
        if (!found) return std::unexpected(found.error());
        if (!found->has_value()) continue;
        const std::string& value = **found;
        SaslCredentials creds;
        size_t colon = value.find(':');
        creds.username = value.substr(0, colon);
        if (colon != std::string::npos) creds.password = value.substr(colon + 1);
        return creds;
      }
    }
    return std::nullopt;
  }

  std::string filter_mechanisms(std::string_view offered) const override {
    std::string out;
    for (const std::string& mech : util::split(offered, " \t,")) {
      if (!filter_.accepts(mech)) continue;
      if (!out.empty()) out += ' ';
      out += mech;
    }
    return out;
  }

  SaslOutcome authenticate(const SaslPeer& peer, const SaslCredentials& credentials,
                           const SaslSendLine& send, const SaslReadReply& read) override {
    SaslOutcome outcome;
    auto temp_fail = [&](std::string text) {
      outcome.status = SaslStatus::kTempFail;
      outcome.dsn = "4.7.0";
      outcome.reason = "SASL authentication failed; cannot authenticate to server " +
                       server_name(peer) + ": " + std::move(text);
      return outcome;
    };
    auto io_fail = [&](util::Error error) {
      outcome.status = SaslStatus::kIoError;
      outcome.io_error = std::move(error);
      return outcome;
    };

    ConnState state;
    state.username = credentials.username;
    if (settings_.send_authzid) state.authzid = credentials.username;
    state.secret.assign(sizeof(sasl_secret_t) + credentials.password.size() + 1, 0);
    auto* secret = reinterpret_cast<sasl_secret_t*>(state.secret.data());
    secret->len = credentials.password.size();
    std::memcpy(secret->data, credentials.password.data(), credentials.password.size());
    state.callbacks[0] = {SASL_CB_USER, as_proc(&ConnState::get_simple), &state};
    state.callbacks[1] = {SASL_CB_AUTHNAME, as_proc(&ConnState::get_simple), &state};
    state.callbacks[2] = {SASL_CB_PASS, as_proc(&ConnState::get_secret), &state};
    state.callbacks[3] = {SASL_CB_LIST_END, nullptr, nullptr};

    std::string remote;
    if (!peer.addr.empty() && !peer.port.empty()) remote = peer.addr + ";" + peer.port;
    sasl_conn_t* raw = nullptr;
    int status =
        sasl_client_new(settings_.service.c_str(), peer.host.c_str(), nullptr,
                        remote.empty() ? nullptr : remote.c_str(), state.callbacks, 0, &raw);
    state.conn.reset(raw);
    if (status != SASL_OK) return temp_fail(mail::sasl_status_text(status));
    sasl_security_properties_t props{};
    props.max_ssf = 1;  // no SASL security layer: TLS does that job
    props.security_flags = peer.tls_verified ? settings_.verified_flags
                           : peer.tls_active ? settings_.tls_flags
                                             : settings_.plain_flags;
    status = sasl_setprop(state.conn.get(), SASL_SEC_PROPS, &props);
    if (status != SASL_OK) return temp_fail(mail::sasl_status_text(status));

    std::string mechanisms = filter_mechanisms(peer.auth_mechanisms);
    const char* out = nullptr;
    unsigned out_len = 0;
    const char* chosen = nullptr;
    status =
        sasl_client_start(state.conn.get(), mechanisms.c_str(), nullptr, &out, &out_len, &chosen);
    if (status != SASL_OK && status != SASL_CONTINUE)
      return temp_fail(mail::sasl_status_text(status));
    outcome.mechanism = chosen ? chosen : "";

    std::string command = "AUTH " + outcome.mechanism;
    if (out_len > 0)
      command += " " + mail::sasl_encode64(std::string_view(out, out_len)).value_or("");
    if (auto r = send(command); !r) return io_fail(r.error());
    auto reply = read();
    if (!reply) return io_fail(reply.error());

    while (reply->code / 100 == 3) {
      std::string challenge_text = reply->lines.empty() ? "" : reply->lines.front();
      std::vector<char> decoded(challenge_text.size() / 4 * 3 + 4);
      unsigned decoded_len = 0;
      status = sasl_decode64(challenge_text.data(), static_cast<unsigned>(challenge_text.size()),
                             decoded.data(), static_cast<unsigned>(decoded.size()), &decoded_len);
      if (status == SASL_OK) {
        status = sasl_client_step(state.conn.get(), decoded.data(), decoded_len, nullptr, &out,
                                  &out_len);
      }
      if (status != SASL_OK && status != SASL_CONTINUE) {
        // Cancel the exchange (RFC 4954) and read the server's answer.
        if (auto r = send("*"); !r) return io_fail(r.error());
        auto cancelled = read();
        if (!cancelled) return io_fail(cancelled.error());
        return temp_fail(mail::sasl_status_text(status));
      }
      if (auto r = send(
              out_len > 0 ? mail::sasl_encode64(std::string_view(out, out_len)).value_or("") : "");
          !r) {
        return io_fail(r.error());
      }
      reply = read();
      if (!reply) return io_fail(reply.error());
    }

    outcome.reply = *reply;
    if (reply->code / 100 == 2) {
      outcome.status = SaslStatus::kOk;
      outcome.dsn = "2.0.0";
      return outcome;
    }
    // The server's enhanced code when it gave one, else 4.7.0/5.7.0.
    std::string dsn;
    if (!reply->lines.empty()) {
      const std::string& first = reply->lines.front();
      size_t sp = first.find(' ');
      std::string word = first.substr(0, sp);
      if (word.size() >= 5 && (word[0] == '4' || word[0] == '5') && word[1] == '.') dsn = word;
    }
    if (dsn.empty()) dsn = reply->code / 100 == 5 ? "5.7.0" : "4.7.0";
    bool permanent = reply->code / 100 == 5 && !settings_.soft_bounce;
    if (!permanent) dsn[0] = '4';
    outcome.status = permanent ? SaslStatus::kPermFail : SaslStatus::kTempFail;
    outcome.dsn = dsn;
    outcome.reason =
        "SASL authentication failed; server " + server_name(peer) + " said: " + reply->text();
    return outcome;
  }

  SaslOutcome login(const SaslPeer& peer, std::string_view sender, const SaslSendLine& send,
                    const SaslReadReply& read) override {
    SaslOutcome outcome;
    if (peer.auth_mechanisms.empty()) return outcome;
    auto creds = find_credentials(peer, sender);
    if (!creds) {
      util::msg_warn(creds.error().message);
      outcome.status = SaslStatus::kTempFail;
      outcome.dsn = "4.3.0";
      outcome.reason = "local data error while talking to " + server_name(peer);
      return outcome;
    }
    if (!creds->has_value()) return outcome;
    if (filter_mechanisms(peer.auth_mechanisms).empty()) {
      util::msg_warn(server_name(peer) + " offered no supported AUTH mechanisms: '" +
                     peer.auth_mechanisms + "'");
      return outcome;
    }
    return authenticate(peer, **creds, send, read);
  }

 private:
  ClientSettings settings_;
  std::vector<std::unique_ptr<util::Dict>> maps_;
  mail::SaslMechanismFilter filter_;
};

}  // namespace

std::string SaslServerReply::text() const {
  std::string out = std::to_string(code);
  for (const std::string& line : lines) out += " " + line;
  return out;
}

std::string auth_mechanisms_from_ehlo(const std::vector<std::string>& ehlo_lines) {
  std::vector<std::string> seen;
  for (const std::string& line : ehlo_lines) {
    if (line.size() < 5 || ::strncasecmp(line.c_str(), "AUTH", 4) != 0) continue;
    if (line[4] != ' ' && line[4] != '=') continue;
    for (const std::string& mech : util::split(std::string_view(line).substr(5), " \t,")) {
      bool dup = false;
      for (const std::string& s : seen) dup = dup || ::strcasecmp(s.c_str(), mech.c_str()) == 0;
      if (!dup) seen.push_back(mech);
    }
  }
  std::string out;
  for (const std::string& mech : seen) out += (out.empty() ? "" : " ") + mech;
  return out;
}

util::Result<std::unique_ptr<SaslClient>> SaslClient::create(const conf::Config& config,
                                                             std::string_view prefix) {
  std::string p(prefix);
  auto enable = config.try_get_bool(p + "_sasl_auth_enable");
  if (!enable) return std::unexpected(enable.error());
  if (!*enable) return std::make_unique<NoSaslClient>();

  auto type = config.try_get(p + "_sasl_type");
  if (!type) return std::unexpected(type.error());
  if (*type != "cyrus") return util::fail("unsupported SASL client implementation: " + *type);

  ClientSettings s;
  auto opts = [&](const std::string& name, unsigned& flags) -> util::Result<void> {
    auto v = config.try_get(name);
    if (!v) return std::unexpected(v.error());
    auto f = mail::parse_sasl_security_options(name, *v);
    if (!f) return std::unexpected(f.error());
    flags = *f;
    return {};
  };
  for (auto r : {opts(p + "_sasl_security_options", s.plain_flags),
                 opts(p + "_sasl_tls_security_options", s.tls_flags),
                 opts(p + "_sasl_tls_verified_security_options", s.verified_flags)}) {
    if (!r) return std::unexpected(r.error());
  }
  if (p == "smtp") {
    auto dependent = config.try_get_bool("smtp_sender_dependent_authentication");
    if (!dependent) return std::unexpected(dependent.error());
    s.sender_dependent = *dependent;
  }
  auto soft = config.try_get_bool(p + "_sasl_auth_soft_bounce");
  if (!soft) return std::unexpected(soft.error());
  s.soft_bounce = *soft;
  auto authzid = config.try_get_bool("send_cyrus_sasl_authzid");
  if (!authzid) return std::unexpected(authzid.error());
  s.send_authzid = *authzid;
  auto delimiter = config.try_get("recipient_delimiter");
  if (!delimiter) return std::unexpected(delimiter.error());
  s.recipient_delimiter = *delimiter;

  auto tables = config.try_get_list(p + "_sasl_password_maps");
  if (!tables) return std::unexpected(tables.error());
  if (tables->empty()) {
    return util::fail("specify a password table via the `" + p +
                      "_sasl_password_maps' configuration parameter");
  }
  auto default_type = config.try_get("default_database_type");
  if (!default_type) return std::unexpected(default_type.error());
  std::vector<std::unique_ptr<util::Dict>> maps;
  for (const std::string& table : *tables) {
    std::string name = table.find(':') == std::string::npos ? *default_type + ":" + table : table;
    auto dict = util::dict_open(name);
    if (!dict) return std::unexpected(dict.error());
    maps.push_back(std::move(*dict));
  }

  auto filter_items = config.try_get_list(p + "_sasl_mechanism_filter");
  if (!filter_items) return std::unexpected(filter_items.error());
  auto filter = mail::SaslMechanismFilter::create(*filter_items);
  if (!filter) return std::unexpected(filter.error());

  if (auto r = client_init(); !r) return std::unexpected(r.error());
  return std::make_unique<CyrusSaslClient>(std::move(s), std::move(maps), std::move(*filter));
}

}  // namespace smtp
