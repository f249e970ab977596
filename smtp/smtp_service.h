// The smtp/lmtp delivery agent's request handler: qmgr's delivery request
// in, one result per recipient out (libmail/delivery_request.h). It reads
// the message from the queue file, finds the servers for the next hop
// (next_hop.h), talks to them (smtp_session.h, smtp_transaction.h, TLS and
// AUTH), logs Postfix's "to=<...>, relay=..., status=..." line per
// recipient and keeps an idle session for the next request to the same
// next hop (smtp_connection_cache_*): in this process, and for plaintext
// sessions through the scache service so any smtp process can reuse them.
// Users: main.cc (run). Integration tests: tests/integration/smtp_*_test.cc.
// Easy to get wrong: a recipient that a server refused with 4xx may still
// get through a later MX; only the last server's answer is final; and an
// unreadable queue file defers, never bounces.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libmail/delivery_request.h"
#include "libmail/scache_client.h"
#include "libutil/dict.h"
#include "smtp/smtp_session.h"
#include "smtp/smtp_settings.h"

namespace mail {
struct Daemon;
}

namespace smtp {

class TlsClient;
class SaslClient;

class SmtpService {
 public:
  explicit SmtpService(Protocol protocol);
  ~SmtpService();

  // As root before chroot: settings, resolver state, TLS context, tables.
  void init(mail::Daemon& daemon);
  mail::DeliveryReply deliver(const mail::DeliveryRequest& request);
  // QUIT a cached session before the process exits.
  void shutdown();
  // Before taking the next request: a password or policy table rebuilt by
  // postmap cannot be reopened inside the chroot, so the process exits and
  // master starts a fresh one (Postfix: "table ... has changed -- restarting").
  void exit_if_tables_changed(mail::Daemon& daemon);

 private:
  struct Attempt;
  // An idle session for `key`: this process's own, else one from the
  // scache service (any smtp process may have left it there).
  std::optional<Session> take_cached(const std::string& key);
  std::optional<Session> take_shared(const std::string& key);
  bool usable(Session& session) const;
  void keep_or_close(std::optional<Session>& session);
  std::optional<Failure> open(Session& session, const std::string& nexthop,
                              const mail::DeliveryRequest& request);
  std::optional<Failure> authenticate(Session& session, const std::string& nexthop,
                                      const mail::DeliveryRequest& request);

  Protocol protocol_;
  Settings settings_;
  std::string relayhost_;
  bool sender_dependent_auth_ = false;
  std::unique_ptr<TlsClient> tls_;
  std::unique_ptr<SaslClient> sasl_;
  std::optional<Session> cached_;
  std::optional<mail::ScacheClient> scache_;
  bool scache_failed_ = false;
  std::vector<std::unique_ptr<util::Dict>> watched_;
};

int run(int argc, char** argv);

}  // namespace smtp
