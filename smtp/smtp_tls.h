// STARTTLS for the smtp/lmtp client: the security level for a destination
// (smtp_tls_security_level, or legacy smtp_use_tls / smtp_enforce_tls, then
// per-destination smtp_tls_policy_maps), the STARTTLS exchange, the
// handshake through libutil/tls.h and Postfix's log line ("Untrusted TLS
// connection established to H[A]:P: TLSv1.3 with cipher ...").
// Users: smtp_service.cc. Unit tests: tests/unit/smtp/smtp_tls_test.cc.
// Easy to get wrong: at encrypt and above, a server without STARTTLS (or a
// failed handshake) means NOTHING is sent in clear: the mail is deferred
// (4.7.4 / 4.7.5); at "may" a failure only means plaintext.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libutil/dict.h"
#include "libutil/tls.h"
#include "smtp/smtp_session.h"

namespace smtp {

enum class TlsLevel { kNone, kMay, kEncrypt, kVerify, kSecure };

struct TlsPolicy {
  TlsLevel level = TlsLevel::kNone;
  std::vector<std::string> match;  // names the certificate must match (verify/secure)
};

// "none", "may", "encrypt", "verify", "secure" ("dane" counts as may,
// "dane-only"/"fingerprint" as secure); nullopt for anything else.
std::optional<TlsLevel> parse_tls_level(std::string_view word);
// A policy table value: "encrypt", "verify match=a:b", ...
std::optional<TlsPolicy> parse_tls_policy(std::string_view value);

class TlsClient {
 public:
  // Before chroot: reads the parameters, opens smtp_tls_policy_maps and
  // (when any level may use TLS) makes the OpenSSL context. Fatal on a bad
  // level word, as Postfix.
  explicit TlsClient(const conf::Config& config, const std::string& prefix);

  // The policy for a next hop ("[host]:port", "domain") and its host.
  // Error: the policy table could not be read (defer).
  util::Result<TlsPolicy> policy_for(const std::string& nexthop, const std::string& host);

  // After EHLO: STARTTLS and the handshake when the policy wants TLS,
  // then EHLO again. nullopt = go on (with or without TLS, per policy).
  std::optional<Failure> start(Session& session, const TlsPolicy& policy, const Settings& settings);

 private:
  TlsLevel default_level_ = TlsLevel::kNone;
  std::vector<std::unique_ptr<util::Dict>> policy_maps_;
  std::unique_ptr<util::TlsContext> context_;
  std::string context_error_;
  std::string prefix_;
};

}  // namespace smtp
