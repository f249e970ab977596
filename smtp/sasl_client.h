// smtp::SaslClient: SMTP AUTH as a client with Cyrus libsasl2, for the smtp
// (and lmtp) delivery agent. Created once per process BEFORE chroot (it
// initialises libsasl2, which loads its plugins, and opens
// smtp_sasl_password_maps); then per session: find_credentials() and
// authenticate() (or both at once with login()).
// It knows nothing of the smtp daemon's session: the caller hands it the
// server's EHLO AUTH words, the TLS state and two callbacks (send one line /
// read one reply), so the exchange can be tested over any transport.
// Easy to get wrong:
//  - lookup order is Postfix's: with smtp_sender_dependent_authentication
//    the sender (user@domain, then @domain) first, then the server's host
//    name ("smtp.example.com"), then the next-hop destination exactly as
//    written in relayhost/transport ("[smtp.example.com]:587"). A table
//    error is a temporary failure, never "no password".
//  - the default security options (noplaintext, noanonymous) forbid PLAIN
//    and LOGIN even over TLS; the usual recipe sets
//    smtp_sasl_security_options = noanonymous.
//  - the password never appears in a log line or in a returned reason.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"
#include "libutil/error.h"

namespace smtp {

// One server reply as the caller's reader returns it: the code and the text
// of each line after "NNN " / "NNN-" (so "VXNlcm5hbWU6" for a 334, "5.7.8
// Error: authentication failed: ..." for a 535).
struct SaslServerReply {
  int code = 0;
  std::vector<std::string> lines;
  // "535 5.7.8 Error: ..." (lines joined with a space), as Postfix quotes it.
  std::string text() const;
};

// Send one command line; the callee appends CRLF and flushes.
using SaslSendLine = std::function<util::Result<void>(std::string_view line)>;
// Read one complete (possibly multi-line) reply, with the caller's deadline.
using SaslReadReply = std::function<util::Result<SaslServerReply>()>;

struct SaslCredentials {
  std::string username;
  std::string password;
};

// What the caller knows about the server it talks to.
struct SaslPeer {
  std::string host;     // the server's name or address literal: "smtp.example.com", "127.0.0.1"
  std::string nexthop;  // the destination as written: "[smtp.example.com]:587", "example.com"
  // For messages, WITHOUT the port (unlike the log's relay=), as Postfix:
  // "smtp.example.com[192.0.2.1]".
  std::string namaddr;
  std::string addr;  // "192.0.2.1" (libsasl2 remote ip;port), may be empty
  std::string port;  // "587", may be empty
  // The words after "AUTH" (or the broken "AUTH=") in the EHLO reply,
  // e.g. "PLAIN LOGIN"; several AUTH lines joined with a space.
  std::string auth_mechanisms;
  bool tls_active = false;    // smtp_sasl_tls_security_options apply
  bool tls_verified = false;  // smtp_sasl_tls_verified_security_options apply
};

enum class SaslStatus {
  kOk,        // 235: authenticated
  kSkipped,   // nothing to do: AUTH off, no credentials, no AUTH offered,
              // or no offered mechanism passes smtp_sasl_mechanism_filter
              // (Postfix then sends the mail without AUTH)
  kTempFail,  // defer: see dsn/reason (4.x.x)
  kPermFail,  // bounce: see dsn/reason (5.x.x; only with
              // smtp_sasl_auth_soft_bounce = no)
  kIoError,   // a callback failed (timeout, lost connection): see io_error
};

struct SaslOutcome {
  SaslStatus status = SaslStatus::kSkipped;
  std::string mechanism;  // the mechanism tried
  std::string dsn;        // "4.7.8", "4.7.0", "4.3.0", "5.7.8"
  // Postfix's words, ready for the delivery status: "SASL authentication
  // failed; server smtp.example.com[192.0.2.1] said: 535 5.7.8 Error:
  // authentication failed: authentication failure", or "SASL
  // authentication failed; cannot authenticate to server ...: no
  // mechanism available".
  std::string reason;
  // The server's final reply when there was one (for the DSN's remote text).
  std::optional<SaslServerReply> reply;
  util::Error io_error;  // kIoError only ("lost connection ... while
                         // performing the AUTH command" is the caller's)
  bool ok() const { return status == SaslStatus::kOk; }
};

class SaslClient {
 public:
  // Reads smtp_sasl_auth_enable, smtp_sasl_password_maps,
  // smtp_sasl_security_options, smtp_sasl_tls_security_options,
  // smtp_sasl_tls_verified_security_options, smtp_sasl_mechanism_filter,
  // smtp_sender_dependent_authentication, smtp_sasl_auth_soft_bounce,
  // smtp_sasl_type (only "cyrus"), send_cyrus_sasl_authzid and
  // recipient_delimiter (smtp_sasl_path means nothing to the Cyrus client
  // and is not read). `prefix` is "smtp" or "lmtp" (the lmtp_ parameters).
  // When AUTH is off the object exists and enabled() is false. Errors are
  // configuration errors in Postfix's words (the caller logs fatal:).
  static util::Result<std::unique_ptr<SaslClient>> create(const conf::Config& config,
                                                          std::string_view prefix = "smtp");
  virtual ~SaslClient() = default;

  virtual bool enabled() const = 0;

  // The password map lookup in Postfix's order (see the top). nullopt = no
  // entry (send without AUTH); Error = the table could not be read (defer).
  // `sender` is the envelope sender ("" for <>).
  virtual util::Result<std::optional<SaslCredentials>> find_credentials(
      const SaslPeer& peer, std::string_view sender) = 0;

  // The offered mechanisms that pass smtp_sasl_mechanism_filter ("" =
  // none; an empty filter passes all). Logs nothing.
  virtual std::string filter_mechanisms(std::string_view offered) const = 0;

  // The AUTH exchange with given credentials: picks a mechanism with
  // libsasl2 under the security options for the peer's TLS state, sends
  // AUTH with an initial response, answers 334 challenges, reads the final
  // reply. Never logs the password.
  virtual SaslOutcome authenticate(const SaslPeer& peer, const SaslCredentials& credentials,
                                   const SaslSendLine& send, const SaslReadReply& read) = 0;

  // All of it, as Postfix's smtp client does after EHLO: enabled? server
  // offers AUTH? credentials found? (table error: kTempFail 4.3.0 "local
  // data error while talking to HOST") mechanisms left after the filter?
  // (else warning "HOST offered no supported AUTH mechanisms: '...'" and
  // kSkipped) then authenticate().
  virtual SaslOutcome login(const SaslPeer& peer, std::string_view sender, const SaslSendLine& send,
                            const SaslReadReply& read) = 0;
};

// The mechanisms from an EHLO reply's lines (each without "250-"/"250 "):
// the words after "AUTH " and after "AUTH=" (broken servers), joined by
// spaces, duplicates removed; "" when AUTH is not offered.
std::string auth_mechanisms_from_ehlo(const std::vector<std::string>& ehlo_lines);

}  // namespace smtp
