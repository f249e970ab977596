#include "smtp/smtp_service.h"

#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <signal.h>

#include <cstdio>
#include <cstring>

#include "libmail/delivery_log.h"
#include "libmail/queue_file.h"
#include "libmail/service_client.h"
#include "libmail/single_server.h"
#include "libutil/log.h"
#include "libutil/strings.h"
#include "smtp/next_hop.h"
#include "smtp/sasl_client.h"
#include "smtp/smtp_tls.h"
#include "smtp/smtp_transaction.h"

namespace smtp {
namespace {

std::string base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

mail::RecipientResult to_result(const mail::DeliveryRecipient& rcpt, const Failure& f,
                                bool server_dsn) {
  mail::RecipientResult r;
  r.offset = rcpt.offset;
  r.dsn = f.dsn;
  r.text = f.text;
  if (f.sent()) {
    r.status = mail::DeliveryStatus::kSent;
    // A server without DSN cannot tell the sender about success later.
    r.action = server_dsn ? "delivered" : "relayed";
  } else if (f.soft()) {
    r.status = mail::DeliveryStatus::kDeferred;
    r.action = "delayed";
  } else {
    r.status = mail::DeliveryStatus::kBounced;
    r.action = "failed";
  }
  if (!f.diag_text.empty()) {
    r.diag_type = "smtp";
    r.diag_text = f.diag_text;
    r.mta_type = "dns";
    r.mta_mname = f.mta_mname;
  }
  return r;
}

// A shared session's description for scache: where it goes and what the
// server announced, so a process that takes it need not say EHLO again.
std::string encode_prop(const Session& s) {
  const Target& t = s.target();
  const Features& f = s.features;
  int bits = (f.esmtp ? 1 : 0) | (f.pipelining ? 2 : 0) | (f.size ? 4 : 0) |
             (f.eightbitmime ? 8 : 0) | (f.dsn ? 16 : 0) | (f.starttls ? 32 : 0) |
             (f.smtputf8 ? 64 : 0) | (f.auth ? 128 : 0) | (f.xforward << 8);
  char times[64];
  std::snprintf(times, sizeof times, "%.6f", s.connected_at);
  return t.hostname + ";" + t.address + ";" + std::to_string(t.port) + ";" +
         std::to_string(t.family) + ";" + std::to_string(bits) + ";" +
         std::to_string(f.size_limit) + ";" + times + ";" + std::to_string(s.use_count) + ";" +
         f.auth_mechanisms;
}

struct SharedProp {
  Target target;
  Features features;
  double connected_at = 0;
  long use_count = 0;
};

std::optional<SharedProp> decode_prop(const std::string& prop) {
  std::vector<std::string> f;
  size_t at = 0;
  for (int i = 0; i < 8; ++i) {
    size_t semi = prop.find(';', at);
    if (semi == std::string::npos) return std::nullopt;
    f.push_back(prop.substr(at, semi - at));
    at = semi + 1;
  }
  f.push_back(prop.substr(at));
  SharedProp p;
  try {
    p.target = Target{f[0], f[1], std::stoi(f[3]), std::stoi(f[2]), 0};
    int bits = std::stoi(f[4]);
    p.features.esmtp = bits & 1;
    p.features.pipelining = bits & 2;
    p.features.size = bits & 4;
    p.features.eightbitmime = bits & 8;
    p.features.dsn = bits & 16;
    p.features.starttls = bits & 32;
    p.features.smtputf8 = bits & 64;
    p.features.auth = bits & 128;
    p.features.xforward = (bits >> 8) & 0x7f;
    p.features.size_limit = std::stoll(f[5]);
    p.connected_at = std::stod(f[6]);
    p.use_count = std::stol(f[7]);
  } catch (...) {
    return std::nullopt;  // not ours: ignore it
  }
  p.features.auth_mechanisms = f[8];
  return p;
}

}  // namespace

SmtpService::SmtpService(Protocol protocol) : protocol_(protocol) {}
SmtpService::~SmtpService() = default;

void SmtpService::init(mail::Daemon& daemon) {
  settings_ = load_settings(daemon.config, protocol_);
  relayhost_ = daemon.config.get("relayhost");
  sender_dependent_auth_ = daemon.config.get_bool("smtp_sender_dependent_authentication");
  // The resolver reads the host's resolv.conf now; once chrooted, glibc
  // notices that etc/resolv.conf below the queue directory is another file
  // and reads that one, as Postfix's chrooted smtp does (smtp_mx_routing_test).
  ::res_init();
  // Load the name service configuration too (nsswitch.conf, hosts) while
  // it is visible; getaddrinfo keeps it for the chrooted lookups.
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* warm = nullptr;
  if (::getaddrinfo("localhost", nullptr, &hints, &warm) == 0) ::freeaddrinfo(warm);
  tls_ = std::make_unique<TlsClient>(daemon.config, settings_.prefix);
  // libsasl2 loads its plugins and the password maps open now, as root.
  auto sasl = SaslClient::create(daemon.config, protocol_ == Protocol::kLmtp ? "lmtp" : "smtp");
  if (!sasl) util::msg_fatal(sasl.error().message);
  sasl_ = std::move(*sasl);
  long cache_timeout = daemon.config.get_time("connection_cache_protocol_timeout");
  scache_.emplace(mail::service_path("private", "scache"),
                  std::chrono::seconds(cache_timeout > 0 ? cache_timeout : 5));
  for (const char* name : {"sasl_password_maps", "tls_policy_maps"})
    for (const auto& table : daemon.config.get_list(settings_.prefix + name))
      if (auto dict = util::dict_open(table)) watched_.push_back(std::move(*dict));
}

void SmtpService::exit_if_tables_changed(mail::Daemon& daemon) {
  for (const auto& dict : watched_) {
    if (!dict->changed()) continue;
    util::msg_info("table " + dict->type_name() + " has changed -- restarting");
    mail::ServerHooks none;
    shutdown();
    mail::server_exit(daemon, none);
  }
}

void SmtpService::shutdown() {
  if (cached_) {
    cached_->quit();
    cached_.reset();
  }
}

bool SmtpService::usable(Session& s) const {
  double now = mail::now_seconds();
  bool ok = !s.broken &&
            now - s.idle_since <= static_cast<double>(settings_.cache_time_limit.count()) &&
            now - s.connected_at <= static_cast<double>(settings_.reuse_time_limit.count()) &&
            (settings_.reuse_count_limit <= 0 || s.use_count < settings_.reuse_count_limit);
  // A server that closed (or said 421) while we were idle is readable now.
  if (ok) {
    auto readable = s.stream().readable(std::chrono::milliseconds(0));
    ok = readable && !*readable;
  }
  return ok;
}

std::optional<Session> SmtpService::take_cached(const std::string& key) {
  if (cached_ && cached_->cache_key == key) {
    std::optional<Session> s = std::move(cached_);
    cached_.reset();
    if (usable(*s)) return s;
    s->quit();
  }
  return take_shared(key);
}

std::optional<Session> SmtpService::take_shared(const std::string& key) {
  if (!scache_ || scache_failed_) return std::nullopt;
  auto found = scache_->find_dest(settings_.name + ":" + key);
  if (!found) {
    scache_failed_ = true;  // no scache service: this process stops asking
    return std::nullopt;
  }
  if (!*found) return std::nullopt;
  auto prop = decode_prop((*found)->endp_prop);
  if (!prop) return std::nullopt;
  Session s(util::Stream(std::move((*found)->fd), settings_.timeouts.helo), prop->target, false,
            settings_);
  s.features = prop->features;
  s.connected_at = prop->connected_at;
  s.use_count = prop->use_count;
  s.idle_since = mail::now_seconds();
  s.cache_key = key;
  if (!usable(s)) {
    s.quit();
    return std::nullopt;
  }
  return s;
}

void SmtpService::keep_or_close(std::optional<Session>& session) {
  if (!session) return;
  // smtp_connection_cache_destinations names next hops always worth caching.
  bool listed = false;
  for (const auto& d : settings_.cache_destinations)
    if (util::lowercase(d) == util::lowercase(session->cache_key)) listed = true;
  // A login chosen by the sender must not carry another sender's mail.
  if (session->authenticated && sender_dependent_auth_) listed = false;
  if (session->broken || (!settings_.cache_on_demand && !listed) ||
      (session->authenticated && sender_dependent_auth_)) {
    session->quit();
    session.reset();
    return;
  }
  session->idle_since = mail::now_seconds();
  // A plaintext, unauthenticated session goes to the shared cache, where
  // any smtp process finds it; TLS state cannot travel with the fd.
  if (scache_ && !scache_failed_ && !session->tls_active && !session->authenticated &&
      session->stream().buffered() == 0) {
    const Target& t = session->target();
    std::string endp = settings_.name + ":" + t.address + ":" + std::to_string(t.port);
    auto saved = scache_->save_endp(settings_.cache_time_limit, endp, encode_prop(*session),
                                    session->stream().fd());
    if (saved)
      saved = scache_->save_dest(settings_.cache_time_limit,
                                 settings_.name + ":" + session->cache_key, "", endp);
    if (saved) {
      session.reset();  // the cache holds its own copy of the socket
      return;
    }
    scache_failed_ = true;
  }
  shutdown();  // one idle session per process
  cached_ = std::move(session);
  session.reset();
}

std::optional<Failure> SmtpService::open(Session& session, const std::string& nexthop,
                                         const mail::DeliveryRequest& request) {
  if (auto f = session.greet()) return f;
  if (auto f = session.ehlo()) return f;
  auto policy = tls_->policy_for(nexthop, session.target().hostname);
  if (!policy) {
    util::msg_warn(policy.error().message);
    session.quit();
    return make_failure("4.3.0", "TLS policy lookup error", session.relay());
  }
  if (auto f = tls_->start(session, *policy, settings_)) {
    // Opportunistic TLS that failed in the handshake: a new connection
    // without TLS, as Postfix retries in plaintext at level may.
    if (policy->level != TlsLevel::kMay || !session.broken) return f;
    util::msg_info(f->text + "; retrying without TLS");
    auto plain = connect_session(session.target(), false, settings_);
    if (!plain) return plain.error();
    plain->cache_key = session.cache_key;
    session = std::move(*plain);
    if (auto g = session.greet()) return g;
    if (auto g = session.ehlo()) return g;
  }
  return authenticate(session, nexthop, request);
}

std::optional<Failure> SmtpService::authenticate(Session& session, const std::string& nexthop,
                                                 const mail::DeliveryRequest& request) {
  if (!sasl_ || !sasl_->enabled()) return std::nullopt;
  SaslPeer peer;
  peer.host = session.target().hostname;
  peer.nexthop = nexthop;
  peer.namaddr = session.relay();
  peer.addr = session.target().address;
  if (session.target().port > 0) peer.port = std::to_string(session.target().port);
  peer.auth_mechanisms = session.features.auth_mechanisms;
  peer.tls_active = session.tls_active;
  peer.tls_verified = session.tls_verified;
  const auto timeout = settings_.timeouts.helo;
  SaslSendLine send = [&](std::string_view line) -> util::Result<void> {
    if (auto s = session.send(line, timeout); !s) return s;
    return session.flush(timeout);
  };
  SaslReadReply read = [&]() -> util::Result<SaslServerReply> {
    auto reply = session.read_reply(timeout);
    if (!reply) return std::unexpected(reply.error());
    SaslServerReply r;
    r.code = reply->code;
    for (const auto& l : reply->lines) r.lines.push_back(l.size() > 4 ? l.substr(4) : "");
    return r;
  };
  SaslOutcome outcome = sasl_->login(peer, request.sender, send, read);
  switch (outcome.status) {
    case SaslStatus::kOk:
    case SaslStatus::kSkipped:
      return std::nullopt;
    case SaslStatus::kIoError:
      return session.io_failure(outcome.io_error, "performing the AUTH command");
    case SaslStatus::kTempFail:
    case SaslStatus::kPermFail:
      break;
  }
  Failure f = make_failure(outcome.dsn, outcome.reason, session.relay());
  if (outcome.reply) {
    f.diag_text = outcome.reply->text();
    f.mta_mname = session.target().hostname;
  }
  session.quit();
  return f;
}

mail::DeliveryReply SmtpService::deliver(const mail::DeliveryRequest& request) {
  const double agent_start = mail::now_seconds();
  const size_t n = request.recipients.size();
  std::vector<std::optional<Failure>> final_outcome(n);
  std::vector<std::optional<Failure>> last_outcome(n);
  std::vector<double> connected(n, 0);
  std::vector<bool> server_dsn(n, false);
  std::vector<long> conn_use(n, 0);
  std::optional<Failure> last_failure;

  auto finish = [&]() {
    mail::DeliveryReply reply;
    for (size_t i = 0; i < n; ++i) {
      const auto& rcpt = request.recipients[i];
      Failure f = final_outcome[i]  ? *final_outcome[i]
                  : last_outcome[i] ? *last_outcome[i]
                  : last_failure    ? *last_failure
                                    : make_failure("4.4.1", "no route to destination");
      mail::RecipientResult r = to_result(rcpt, f, server_dsn[i]);
      mail::DeliveryTimes t;
      t.arrival = request.arrival_time;
      t.active = request.active_time;
      t.agent_start = agent_start;
      t.connected = connected[i] > 0 ? connected[i] : agent_start;
      t.done = mail::now_seconds();
      // Postfix names a reused connection: "relay=..., conn_use=2, delay=...".
      std::string relay = f.relay;
      if (conn_use[i] > 1 && relay != "none") relay += ", conn_use=" + std::to_string(conn_use[i]);
      util::msg_info(
          mail::format_delivery_log(request.queue_id, rcpt.address, rcpt.orig_rcpt, relay, t, r));
      reply.results.push_back(std::move(r));
    }
    return reply;
  };

  auto file = mail::read_queue_file(request.queue_name + "/" + request.queue_id);
  if (!file) {
    util::msg_warn("read queue file " + request.queue_name + "/" + request.queue_id + ": " +
                   file.error().message);
    last_failure = make_failure("4.3.0", "error reading queue file: " + file.error().message);
    return finish();
  }
  const std::vector<std::string> content = file->text_lines();

  // The next hop, then the fallback relays (not for a UNIX socket).
  std::vector<std::string> hops{request.nexthop};
  auto first = parse_next_hop(request.nexthop, settings_);
  if (!first) {
    last_failure = make_failure("4.3.5", first.error().message);
    return finish();
  }
  if (!first->unix_socket)
    for (const auto& relay : settings_.fallback_relay) hops.push_back(relay);

  std::vector<size_t> pending;
  for (size_t i = 0; i < n; ++i) pending.push_back(i);
  long sessions = 0;
  const ResolverHooks resolver = system_resolver();

  for (size_t h = 0; h < hops.size() && !pending.empty(); ++h) {
    auto dest = h == 0 ? first : parse_next_hop(hops[h], settings_);
    if (!dest) {
      util::msg_warn("bad fallback relay: " + hops[h]);
      continue;
    }
    const bool last_hop = h + 1 == hops.size();
    std::vector<Target> targets;
    if (dest->unix_socket) {
      targets.push_back(Target{settings_.myhostname, dest->path, AF_UNIX, 0, 0});
    } else {
      Lookup lookup = lookup_destination(*dest, settings_, resolver);
      if (lookup.targets.empty()) {
        LookupFailure lf = *lookup.failure;
        // A relay host that cannot be found is our configuration problem:
        // the mail waits instead of bouncing (fallback relays included).
        if (!lf.soft && (h > 0 || hops[h] == relayhost_)) lf.dsn = "4" + lf.dsn.substr(1);
        last_failure = make_failure(lf.dsn, lf.text);
        continue;
      }
      targets = std::move(lookup.targets);
    }
    // A new session to targets[t], greeted and set up; nullopt (with
    // last_failure set) when this server will not do.
    auto fresh = [&](size_t t) -> std::optional<Session> {
      auto made = connect_session(targets[t], dest->unix_socket, settings_);
      if (!made) {
        util::msg_info(made.error().text);
        last_failure = made.error();
        return std::nullopt;
      }
      std::optional<Session> session(std::move(*made));
      session->cache_key = hops[h];
      if (auto f = open(*session, hops[h], request)) {
        last_failure = *f;
        session->quit();
        return std::nullopt;
      }
      return session;
    };
    for (size_t t = 0; t < targets.size() && !pending.empty(); ++t) {
      std::optional<Session> session = t == 0 ? take_cached(hops[h]) : std::nullopt;
      const bool reused = session.has_value();
      double ready_at = agent_start;
      if (reused) {
        targets[t] = session->target();
      } else {
        session = fresh(t);
        if (!session) continue;
        ready_at = mail::now_seconds();
      }
      ++sessions;
      ++session->use_count;
      const bool final_server =
          (last_hop && t + 1 == targets.size()) ||
          (settings_.mx_session_limit > 0 && sessions >= settings_.mx_session_limit);

      std::vector<const mail::DeliveryRecipient*> batch;
      for (size_t i : pending) batch.push_back(&request.recipients[i]);
      TransactionResult tr = run_transaction(*session, settings_, request, batch, content);
      if (reused && session->broken && tr.transaction_failed && !tr.outcomes.empty() &&
          tr.outcomes[0].text.find("end of data") == std::string::npos) {
        // The cached connection died under us (the server timed it out):
        // nothing was delivered on it, so try once more on a new one.
        session = fresh(t);
        if (!session) continue;
        ready_at = mail::now_seconds();
        ++session->use_count;
        tr = run_transaction(*session, settings_, request, batch, content);
      }
      std::vector<size_t> still;
      for (size_t k = 0; k < pending.size(); ++k) {
        size_t i = pending[k];
        const Failure& f = tr.outcomes[k];
        connected[i] = ready_at;
        conn_use[i] = session->use_count;
        server_dsn[i] = session->features.dsn;
        if (!f.soft() || final_server) {
          final_outcome[i] = f;
        } else {
          last_outcome[i] = f;
          still.push_back(i);
        }
      }
      pending = std::move(still);
      keep_or_close(session);
      if (final_server) break;
    }
    if (settings_.mx_session_limit > 0 && sessions >= settings_.mx_session_limit) break;
  }
  return finish();
}

int run(int argc, char** argv) {
  const std::string name = base_name(argc > 0 ? argv[0] : "smtp");
  const Protocol protocol = name == "lmtp" ? Protocol::kLmtp : Protocol::kSmtp;
  // A server that hangs up while we write (a TLS handshake, a pipelined
  // batch) must give EPIPE, not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  SmtpService service(protocol);
  mail::ServerHooks hooks;
  hooks.pre_jail = [&](mail::Daemon& daemon) { service.init(daemon); };
  hooks.pre_exit = [&](mail::Daemon&) { service.shutdown(); };
  hooks.pre_accept = [&](mail::Daemon& daemon) { service.exit_if_tables_changed(daemon); };
  mail::single_server_main(
      argc, argv, protocol == Protocol::kLmtp ? "lmtp" : "smtp",
      [&](util::Stream& client, mail::Daemon& daemon) {
        mail::serve_delivery_request(client, daemon,
                                     [&](const mail::DeliveryRequest& request, mail::Daemon&) {
                                       return service.deliver(request);
                                     });
      },
      hooks);
}

}  // namespace smtp
