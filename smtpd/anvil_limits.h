// smtpd::AnvilLimits: the per-client rate and concurrency limits smtpd
// enforces through the shared anvil service (private/anvil), so the limits
// hold across all smtpd processes: smtpd_client_connection_count_limit,
// smtpd_client_connection_rate_limit, smtpd_client_message_rate_limit,
// smtpd_client_recipient_rate_limit, smtpd_client_new_tls_session_rate_limit,
// smtpd_client_auth_rate_limit; clients in
// smtpd_client_event_limit_exceptions ($mynetworks) are exempt.
// Owner: smtpd/anvil_limits.cc (on libmail/anvil_client.h). User: the
// protocol engine at connect, MAIL, RCPT, STARTTLS, AUTH and disconnect.
// Easy to get wrong: anvil being down must never stop mail (log a warning,
// allow); every connect that was counted must be matched by a disconnect,
// also when the session ends by timeout or error.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libconf/config.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class AnvilLimits {
 public:
  // Talks to "private/anvil" (relative: a daemon runs in queue_directory).
  // Fatal when smtpd_client_event_limit_exceptions cannot be opened. With
  // every limit at 0 nothing talks to anvil at all (as Postfix).
  static std::unique_ptr<AnvilLimits> create(const conf::Config& config);
  // The same with another endpoint (tests: $queue_directory/private/anvil).
  static std::unique_ptr<AnvilLimits> create(const conf::Config& config,
                                             const std::string& anvil_path);
  virtual ~AnvilLimits() = default;

  // nullopt: go on; else the reply to send (421 ... then close, at connect).
  virtual std::optional<SmtpReply> on_connect(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_mail(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_rcpt(const Session& session) = 0;
  // STARTTLS command, before the handshake: a 454 (the session goes on)
  // when the client already has too many new TLS sessions this time unit.
  virtual std::optional<SmtpReply> on_starttls(const Session& session) = 0;
  // After a successful handshake that did not resume a session: counts the
  // new session; a 421 (then close) when that goes over the limit. As
  // Postfix: the STARTTLS check only looks, this one counts.
  virtual std::optional<SmtpReply> on_tls_handshake(const Session&) { return std::nullopt; }
  virtual std::optional<SmtpReply> on_auth(const Session& session) = 0;
  virtual void on_disconnect(const Session& session) = 0;
};

}  // namespace smtpd
