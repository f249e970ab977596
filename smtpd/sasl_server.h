// smtpd::SaslServer and run_auth: SMTP AUTH with Cyrus libsasl2 (server
// side). create() runs before chroot: sasl_server_init with the application
// name smtpd_sasl_path ("smtpd" -> $cyrus_sasl_config_path/smtpd.conf or
// /etc/postfix/sasl/smtpd.conf), so pwcheck_method/auxprop/sasldb settings
// are read there. Owner: smtpd/sasl_server.cc, smtpd/auth_command.cc.
// User: the protocol engine (EHLO AUTH line, AUTH command, MAIL ... AUTH=).
// Easy to get wrong: mechanisms depend on TLS
// (smtpd_sasl_security_options vs smtpd_sasl_tls_security_options, e.g.
// noplaintext hides PLAIN/LOGIN before TLS); a client may cancel with "*"
// (501 5.7.0 Authentication aborted); the password never reaches a log.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libutil/error.h"
#include "libutil/stream.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class SaslServer {
 public:
  // nullptr-free: when smtpd_sasl_auth_enable = no the object exists and
  // enabled() is false. smtpd_sasl_type other than "cyrus" is an error.
  static util::Result<std::unique_ptr<SaslServer>> create(const conf::Config& config);
  virtual ~SaslServer() = default;

  virtual bool enabled() const = 0;
  // "PLAIN LOGIN" for this session's state (TLS or not); "" = offer nothing.
  virtual std::string mechanisms(const Session& session) const = 0;
  // The whole AUTH exchange: `args` is what followed "AUTH " ("PLAIN
  // AGFs..."); 334 challenges and client lines go over `stream` (lines
  // bounded by line_length_limit). Returns the final reply (235 2.7.0
  // Authentication successful, 535 5.7.8 ..., 501 ..., 503 ...); on
  // success sets session.sasl_method and sasl_username. Logs the
  // "SASL ... authentication failed" warnings as Postfix does.
  virtual SmtpReply run_auth(util::Stream& stream, Session& session, std::string_view args) = 0;
};

}  // namespace smtpd
