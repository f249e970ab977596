// util::Tls: OpenSSL behind a small RAII surface, for smtpd (STARTTLS and
// wrapper mode) and the smtp client. A TlsContext is made once per process
// (before chroot: it reads keys and CA files); a handshake on a util::Stream
// installs a TLS StreamTransport in that Stream, so line reading, limits and
// deadlines stay the same after STARTTLS.
// Owner: libutil/tls*.cc. Users: smtpd/smtpd_tls.cc, smtp/smtp_tls.cc.
//
//   auto ctx = util::TlsContext::server({.cert_file = ..., .key_file = ...});
//   if (stream.buffered() != 0) -> refuse: plaintext pipelined after STARTTLS
//   auto info = util::tls_accept(stream, *ctx);   // info->protocol "TLSv1.3"
//
// Easy to get wrong: input buffered before the handshake must never be read
// as if it came through TLS (tls_accept/tls_connect fail when
// stream.buffered() != 0); SSL objects live exactly as long as the Stream's
// transport; the password of a key or a SASL secret never reaches a log.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace util {

struct TlsServerSettings {
  std::string cert_file;                 // PEM, may hold the chain after the cert
  std::string key_file;                  // PEM; empty = in cert_file
  std::vector<std::string> chain_files;  // smtpd_tls_chain_files (key+cert[+chain] per file)
  std::string ca_file, ca_path;          // for client certificates (ask_ccert)
  std::string protocols;                 // Postfix syntax: ">=TLSv1.2", "!SSLv2, !SSLv3"
  std::string ciphers;                   // OpenSSL cipher list (empty: library default)
  std::string dh_param_file;             // optional
  bool ask_client_cert = false;
  std::string groups;    // key-exchange groups, "X25519:prime256v1" (empty: library default)
  int verify_depth = 9;  // smtpd_tls_ccert_verifydepth
};

struct TlsClientSettings {
  std::string ca_file, ca_path;     // trust anchors (smtp_tls_CAfile/CApath)
  std::string cert_file, key_file;  // client certificate (optional)
  std::string protocols;
  std::string ciphers;
  std::string groups;    // as in TlsServerSettings
  int verify_depth = 9;  // smtp_tls_scert_verifydepth
};

class TlsContext {
  // Only server()/client() can name a Key, so only they construct one
  // (through std::make_unique, which needs a public constructor).
  struct Key {
    explicit Key() = default;
  };

 public:
  TlsContext(Key, void* ctx) : ctx_(ctx) {}
  static Result<std::unique_ptr<TlsContext>> server(const TlsServerSettings& settings);
  static Result<std::unique_ptr<TlsContext>> client(const TlsClientSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  void* native() const { return ctx_; }  // SSL_CTX*, for tls*.cc only

 private:
  void* ctx_;
};

// What a handshake established, for log lines, the Received header and
// policy decisions.
struct TlsInfo {
  std::string protocol;     // "TLSv1.3"
  std::string cipher;       // "TLS_AES_256_GCM_SHA384"
  int cipher_bits = 0;      // 256
  int cipher_alg_bits = 0;  // 256
  std::string kex;          // "X25519" (may be empty)
  std::string peer_cn;      // subject CN of the peer certificate, "" if none
  std::string peer_issuer_cn;
  bool peer_cert = false;  // the peer presented a certificate
  bool trusted = false;    // its chain verified against the trust anchors
  bool verified = false;   // trusted and the name matched (client side)
  // Signature details as Postfix logs them (TLSv1.3 only, as observed on
  // Postfix 3.7): "RSA-PSS", 2048, "SHA256"; empty/0 when unknown.
  std::string server_sig, server_digest;
  int server_sig_bits = 0;
  std::string client_sig, client_digest;  // only when a client certificate was used
  int client_sig_bits = 0;
};

// The part of Postfix's "... TLS connection established ..." log line after
// the colon: "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
// key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
// (then " client-signature ..." when there is one).
std::string tls_describe(const TlsInfo& info);

// Postfix's protocol list syntax (">=TLSv1.2", "<=TLSv1.3", "!SSLv2, !SSLv3",
// "TLSv1.2 TLSv1.3") as a set of enabled versions, for tests and callers
// that want to validate a setting before making a context.
struct TlsProtocolRange {
  int min_version = 0;  // OpenSSL version constant (TLS1_2_VERSION), 0: no bound
  int max_version = 0;
  long disabled_options = 0;  // SSL_OP_NO_TLSv1_1 etc. for holes inside the range
};
Result<TlsProtocolRange> tls_parse_protocols(const std::string& protocols);

// Does the name from a certificate (`cert_name`, may be "*.example.com")
// match `want` ("mx.example.com", or ".example.com" meaning any subdomain)?
// Case-insensitive; a wildcard stands for exactly one leftmost label.
bool tls_name_matches(const std::string& cert_name, const std::string& want);

// Errors from TlsContext::server/client: the first line of `message` is
// Postfix's warning text (naming the file); each following line is one
// "TLS library problem: ..." entry from OpenSSL's error queue.
//
// Server side of the handshake on `stream` (deadline: stream.timeout()).
// Fails with kEof ("lost connection"), kTimeout ("timeout") or kOther.
Result<TlsInfo> tls_accept(Stream& stream, TlsContext& ctx);
// Client side; `sni` is sent as server name when not empty; `match_names`
// are the names the peer certificate must match for `verified`
// (smtp_tls_verify_cert_match results, e.g. {"mx.example.com"}).
Result<TlsInfo> tls_connect(Stream& stream, TlsContext& ctx, const std::string& sni,
                            const std::vector<std::string>& match_names);

}  // namespace util
