// smtpd's thin layer over Cyrus libsasl2 (server side): the once-per-process
// sasl_server_init with Postfix's config path and log callback, an RAII
// sasl_conn_t, security properties and base64 through libsasl2's own
// coder. User: smtpd/sasl_server.cc only.
// Easy to get wrong: libsasl2 is process-global. It reads APP.conf and loads
// its plugins in sasl_server_init (so before chroot); a second init with a
// different path needs sasl_server_done first, which is only safe when no
// connection is alive (tests create several servers in one process).
// Status texts come from sasl_errstring, which are the words Postfix shows
// ("authentication failure", "no mechanism available").
#pragma once

#include <sasl/sasl.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace smtpd::cyrus {

// Initialise the server library for application `app` (smtpd_sasl_path),
// reading APP.conf from `config_path` (colon-separated). Idempotent for the
// same arguments. Logs libsasl2's messages as Postfix does ("warning: SASL
// authentication failure: ..."). Error: "SASL per-process initialization
// failed: REASON".
util::Result<void> server_init(const std::string& app, const std::string& config_path);

struct ConnDeleter {
  void operator()(sasl_conn_t* conn) const;
};
using Conn = std::unique_ptr<sasl_conn_t, ConnDeleter>;

// Security properties for a connection: the flags, no SASL security layer
// (TLS protects the session, as in Postfix).
int set_security(sasl_conn_t* conn, unsigned flags);

}  // namespace smtpd::cyrus
