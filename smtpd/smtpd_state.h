// smtpd::Session: what one SMTP session knows, shared by the protocol engine
// (smtpd_service.cc and the command files), the restriction engine
// (restrictions.h), SASL (sasl_server.h), STARTTLS (smtpd_tls.h) and the
// anvil limits (anvil_limits.h). The protocol engine owns and fills it; the
// others read it and set only the fields marked as theirs.
// Easy to get wrong: `sender`/`recipient` are the addresses as the client
// sent them with the <> removed and nothing else changed (no rewriting, no
// case folding); restriction lookups fold case themselves. A transaction
// ends with RSET, HELO/EHLO, STARTTLS, AUTH-free MAIL after DATA, etc.:
// reset_transaction() clears exactly the per-message part.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace smtpd {

// A reply smtpd sends: "code dsn text" (dsn may be empty: HELO/ETRN syntax
// replies have no enhanced code). Multi-line text is not used here.
struct SmtpReply {
  int code = 250;
  std::string dsn;   // "2.0.0"; empty for replies without enhanced code
  std::string text;  // "Ok"
  // "250 2.0.0 Ok" (no CRLF); without dsn "250 Ok".
  std::string line() const {
    std::string out = std::to_string(code) + " ";
    if (!dsn.empty()) out += dsn + " ";
    return out + text;
  }
  bool is_permanent() const { return code >= 500; }
  bool is_temporary() const { return code >= 400 && code < 500; }
};

// How a client name lookup ended (Postfix's SMTPD_PEER_CODE_*): a
// temporary failure makes reject_unknown_* answer 450 whatever
// unknown_client_reject_code says.
enum class PeerStatus { kOk, kTemp, kPerm, kForged };

struct ClientInfo {
  std::string name = "unknown";          // verified reverse name, or "unknown"
  std::string reverse_name = "unknown";  // PTR result even when not verified
  std::string addr;                      // "127.0.0.2" or "::1"
  std::string port;                      // "41234"
  std::string server_addr;               // our end: "127.0.0.1"
  std::string server_port;               // "25"

  PeerStatus name_status = PeerStatus::kPerm;
  PeerStatus reverse_name_status = PeerStatus::kPerm;
  // "name[addr]": the form every log line uses.
  std::string namaddr() const { return name + "[" + addr + "]"; }
};

struct Session {
  ClientInfo client;
  std::string service_name = "smtp";  // master.cf service (anvil key, logging)

  // HELO/EHLO
  std::optional<std::string> helo_name;  // argument of the last HELO/EHLO
  bool esmtp = false;                    // last greeting was EHLO
  bool ehlo_seen = false;                // any EHLO (since the TLS handshake)
  // "SMTP", "ESMTP" (+ "S" with TLS, + "A" when authenticated): Received
  // header "with" and log "proto=". As Postfix 3.7.11: a HELO after an EHLO
  // does not make it "SMTP" again.
  std::string protocol() const {
    if (!xclient_protocol.empty()) return xclient_protocol;
    if (!esmtp && !ehlo_seen) return "SMTP";
    return std::string("ESMTP") + (tls_active ? "S" : "") + (sasl_username.empty() ? "" : "A");
  }

  // The Received: header's "with" word: as protocol(), but a login given
  // by XCLIENT still adds "A" to XCLIENT's protocol name (observed).
  // A transaction that asked for SMTPUTF8 is "UTF8SMTP" there (RFC 6531's
  // names: UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA), as Postfix 3.7.11 writes it.
  std::string received_protocol() const {
    if (!xclient_protocol.empty() && !sasl_username.empty()) return xclient_protocol + "A";
    std::string p = protocol();
    if (smtputf8 && p.starts_with("ESMTP")) p.replace(0, 5, "UTF8SMTP");
    return p;
  }
  // XCLIENT PROTO= ("SMTP"/"ESMTP"): the protocol name, literally, for the
  // rest of the session (a later HELO/EHLO does not change it).
  std::string xclient_protocol;

  // XFORWARD: the original client of the next message, as a trusted
  // content filter tells it (cleared with the transaction). Only the
  // log_* attributes and the "client=" log line use it.
  struct Forwarded {
    bool given = false;
    std::string name, addr, port, proto, helo, ident, source;
  } forward;

  // STARTTLS (set by the protocol engine after smtpd_tls.h's start succeeds)
  bool tls_active = false;
  std::string tls_protocol;  // "TLSv1.3"
  std::string tls_cipher;    // "TLS_AES_256_GCM_SHA384"
  int tls_cipher_bits = 0;

  // AUTH (set by auth_command on success)
  std::string sasl_method;    // "PLAIN"
  std::string sasl_username;  // "alice@example.test"
  std::string sasl_sender;    // AUTH= of MAIL FROM, when given

  // The transaction (reset_transaction clears these)
  std::optional<std::string> sender;  // MAIL FROM address, "" for <>
  std::string queue_id;               // once the cleanup file exists, else ""
  long long declared_size = 0;        // MAIL FROM SIZE=
  std::string body_type;              // "", "7BIT", "8BITMIME", "BINARYMIME"
  bool smtputf8 = false;
  std::string dsn_envid;              // ENVID= (xtext decoded)
  int dsn_ret = 0;                    // 0, or DSN_RET_FULL 1 / DSN_RET_HDRS 2
  std::string recipient;              // the RCPT TO address being checked now
  std::vector<std::string> recipients;  // accepted so far
  int rcpt_count = 0;                   // RCPT commands in this transaction

  // Set by restrictions (access actions) and applied by the protocol engine
  // when it writes the message to cleanup.
  std::vector<std::string> prepend_headers;  // PREPEND: "Name: value"
  std::optional<std::string> redirect;       // REDIRECT user@domain
  std::optional<std::string> filter;         // FILTER transport:destination
  bool hold = false;                         // HOLD
  std::string hold_reason;
  bool discard = false;                      // DISCARD
  std::string discard_reason;

  // Counters for limits and the disconnect summary
  int error_count = 0;  // smtpd_soft/hard_error_limit
  int junk_count = 0;   // smtpd_junk_command_limit

  // The last command's name ("RCPT"), for "timeout after RCPT" and the
  // "NOQUEUE: reject: RCPT from ..." log lines.
  std::string last_command;

  void reset_transaction() {
    sender.reset();
    queue_id.clear();
    declared_size = 0;
    body_type.clear();
    smtputf8 = false;
    dsn_envid.clear();
    dsn_ret = 0;
    recipient.clear();
    recipients.clear();
    rcpt_count = 0;
    sasl_sender.clear();
    prepend_headers.clear();
    redirect.reset();
    filter.reset();
    hold = false;
    hold_reason.clear();
    discard = false;
    discard_reason.clear();
    forward = Forwarded{};
  }
};

}  // namespace smtpd
