// One connection to an SMTP or LMTP server: connect (smtp_bind_address,
// smtp_connect_timeout), the greeting, EHLO/LHLO (HELO fallback), and the
// command/reply primitives the transaction and STARTTLS/AUTH use. Failures
// come back in Postfix's words ("connect to H[A]:P: Connection refused",
// "lost connection with H[A] while ...", "host H[A] said: ...").
// Users: smtp_service.cc (connect, handshake, cache), smtp_transaction.cc.
// Easy to get wrong: every read and write has the deadline of the stage it
// belongs to (helo, mail, rcpt, data...), set before the operation; and a
// session that saw an I/O error or a 421 must never be reused.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/stream.h"
#include "smtp/next_hop.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_settings.h"

namespace smtp {

// What happened to a host, a session or a recipient: sent (2.x.x), deferred
// (4.x.x) or bounced (5.x.x), with the text for the log.
struct Failure {
  std::string dsn;             // "4.4.1"
  std::string text;            // as logged in parentheses
  std::string relay = "none";  // for the log line
  // Set when the server said it (the bounce log's diag and mta fields).
  std::string diag_text;
  std::string mta_mname;
  bool soft() const { return dsn.empty() || dsn.front() == '4'; }
  bool sent() const { return !dsn.empty() && dsn.front() == '2'; }
};

inline Failure make_failure(std::string dsn, std::string text, std::string relay = "none") {
  Failure f;
  f.dsn = std::move(dsn);
  f.text = std::move(text);
  f.relay = std::move(relay);
  return f;
}

class Session {
 public:
  Session(util::Stream stream, Target target, bool unix_socket, const Settings& settings);
  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;

  util::Stream& stream() { return stream_; }
  const Target& target() const { return target_; }
  // "host[addr]" and "host[addr]:port" (unix: "myhostname[path]" both).
  std::string namaddr() const;
  std::string relay() const;

  // Queue a command line (CRLF added); flushed by the next reply read or
  // by flush().
  util::Result<void> send(std::string_view line, std::chrono::seconds timeout);
  util::Result<void> flush(std::chrono::seconds timeout);
  util::Result<Reply> read_reply(std::chrono::seconds timeout);

  // Failure texts.
  Failure io_failure(const util::Error& error, std::string_view stage) const;
  Failure reply_failure(const Reply& reply, std::string_view command) const;

  // Greeting then EHLO (or LHLO; HELO when EHLO is refused or
  // smtp_never_send_ehlo). Fills features.
  std::optional<Failure> greet();
  std::optional<Failure> ehlo();

  // QUIT (unless the stream already failed), then the connection closes
  // with this object.
  void quit();
  // RSET to make a session reusable; false when it is not.
  bool reset();

  Features features;
  bool broken = false;  // I/O error, timeout or 421: never reuse
  bool tls_active = false;
  bool tls_verified = false;
  bool authenticated = false;  // AUTH succeeded: never handed to the shared cache
  double connected_at = 0;     // mail::now_seconds()
  double idle_since = 0;
  long use_count = 0;
  std::string cache_key;

 private:
  util::Stream stream_;
  Target target_;
  bool unix_socket_;
  const Settings* settings_;
};

// TCP to one address, or a UNIX socket (`target.address` = path).
std::expected<Session, Failure> connect_session(const Target& target, bool unix_socket,
                                                const Settings& settings);

}  // namespace smtp
