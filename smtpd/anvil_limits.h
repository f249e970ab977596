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

#include "libconf/config.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class AnvilLimits {
 public:
  static std::unique_ptr<AnvilLimits> create(const conf::Config& config);
  virtual ~AnvilLimits() = default;

  // nullopt: go on; else the reply to send (421 ... then close, at connect).
  virtual std::optional<SmtpReply> on_connect(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_mail(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_rcpt(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_starttls(const Session& session) = 0;
  virtual std::optional<SmtpReply> on_auth(const Session& session) = 0;
  virtual void on_disconnect(const Session& session) = 0;
};

}  // namespace smtpd
