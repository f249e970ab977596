// smtpd's client for check_policy_service (Postfix's policy delegation):
// one connection per policy server, kept open between requests and
// sessions, with Postfix's limits: smtpd_policy_service_timeout (each
// request), _max_idle / _max_ttl (close an idle or old connection),
// _request_limit (requests per connection, 0 = no limit), _try_limit and
// _retry_delay (reconnect attempts). User: the restriction engine.
// Easy to get wrong: a server that closed an idle connection must be
// retried on a fresh one, not reported as a failure; a failure after the
// tries gives the caller an error so it applies _default_action (451 4.3.5
// by default) instead of hanging or permitting.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libmail/policy_protocol.h"
#include "libutil/error.h"
#include "libutil/stream.h"

namespace smtpd {

struct PolicyClientOptions {
  std::string endpoint;  // "inet:host:port", "unix:path", "host:port"
  std::chrono::seconds timeout{100};
  std::chrono::seconds max_idle{300};
  std::chrono::seconds max_ttl{1000};
  int request_limit = 0;
  int try_limit = 2;
  std::chrono::seconds retry_delay{1};
  std::string default_action = "451 4.3.5 Server configuration problem";
  std::string policy_context;
  std::size_t max_line = 2048;
};

// The options for one check_policy_service argument: main.cf's
// smtpd_policy_service_* values, then the overrides of the
// "{endpoint, timeout=10s, default_action=DUNNO}" form.
util::Result<PolicyClientOptions> policy_client_options(const conf::Config& config,
                                                        std::string_view argument);

class PolicyClient {
 public:
  explicit PolicyClient(PolicyClientOptions options);
  const PolicyClientOptions& options() const { return options_; }
  // Send the attributes, return the "action" value.
  util::Result<std::string> query(const mail::PolicyAttrs& request);

 private:
  util::Result<void> connect();
  void disconnect();
  // The endpoint as Postfix names it in warnings ("127.0.0.1:9").
  std::string server_name() const;

  PolicyClientOptions options_;
  std::unique_ptr<util::Stream> stream_;
  std::chrono::steady_clock::time_point opened_;
  std::chrono::steady_clock::time_point last_used_;
  int requests_ = 0;
};

}  // namespace smtpd
