// smtpd::SmtpdTls: smtpd's side of TLS: the smtpd_tls_* parameters, the
// server context (made before chroot), STARTTLS and wrapper-mode handshakes,
// the "... TLS connection established from ..." log line and the Received
// header comment. Owner: smtpd/smtpd_tls.cc (on libutil/tls.h). User: the
// protocol engine (EHLO list, STARTTLS command, smtpd_tls_wrappermode,
// smtpd_tls_security_level = encrypt checks, smtpd_tls_auth_only).
// Easy to get wrong: STARTTLS with input already buffered behind it is
// command injection: the engine replies 220, then start() must refuse
// (stream.buffered() != 0) and the session ends; after a handshake the
// session forgets HELO/EHLO and any transaction (RFC 3207).
#pragma once

#include <memory>
#include <string>

#include "libconf/config.h"
#include "libutil/error.h"
#include "libutil/stream.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class SmtpdTls {
 public:
  // Reads the parameters; loads certificate and key only when TLS can be
  // used (smtpd_tls_security_level may/encrypt, or smtpd_use_tls /
  // smtpd_enforce_tls, or wrapper mode). Errors name the file.
  static util::Result<std::unique_ptr<SmtpdTls>> create(const conf::Config& config);
  virtual ~SmtpdTls() = default;

  virtual bool available() const = 0;     // STARTTLS may be offered
  virtual bool required() const = 0;      // level encrypt: 530 before STARTTLS
  virtual bool auth_only() const = 0;     // smtpd_tls_auth_only
  virtual bool wrapper_mode() const = 0;  // smtpd_tls_wrappermode (submissions/465)
  // TLS is configured (available() is true, EHLO still shows STARTTLS, as
  // Postfix) but the certificate or key could not be loaded (a warning was
  // logged at start-up): STARTTLS must answer "454 4.7.0 TLS not available
  // due to local problem" instead of 220, and start() fails.
  virtual bool local_problem() const { return false; }
  // Handshake on `stream`, fill session.tls_*, log per smtpd_tls_loglevel.
  virtual util::Result<void> start(util::Stream& stream, Session& session) = 0;
  // The Received header's TLS comments when smtpd_tls_received_header = yes
  // and TLS is active, else "". Lines are joined by "\n\t" with no leading
  // tab and no trailing newline, as Postfix 3.7 writes them:
  //   (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
  //   \t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
  //   \t(No client certificate requested)
  // The engine writes "Received: from HELO (NAME [ADDR])\n\t" + this +
  // "\n\tby ...".
  virtual std::string received_comment(const Session& session) const = 0;
};

}  // namespace smtpd
