// tls_accept / tls_connect (tls.h): the handshake on a util::Stream, the TLS
// StreamTransport it installs, and what the handshake established (TlsInfo).
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "libutil/tls.h"
#include "libutil/tls_internal.h"

namespace util {
namespace {

using tls_internal::library_errors;
using tls_internal::SslPtr;
using tls_internal::X509Ptr;

// OpenSSL 3 reports a peer that closes without close_notify as a protocol
// error; for us it is a lost connection.
bool unexpected_eof() {
  return ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

class TlsTransport final : public StreamTransport {
 public:
  explicit TlsTransport(SslPtr ssl) : ssl_(std::move(ssl)) {}

  ssize_t read(int, char* buf, size_t len, short* wait_events) override {
    ERR_clear_error();
    int n = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(len, 1 << 30)));
    if (n > 0) return n;
    return failure(n, wait_events);
  }
  ssize_t write(int, const char* buf, size_t len, short* wait_events) override {
    ERR_clear_error();
    int n = SSL_write(ssl_.get(), buf, static_cast<int>(std::min<size_t>(len, 1 << 30)));
    if (n > 0) return n;
    return failure(n, wait_events);
  }
  bool has_pending() const override { return SSL_pending(ssl_.get()) > 0; }

 private:
  ssize_t failure(int n, short* wait_events) {
    int saved = errno;
    switch (SSL_get_error(ssl_.get(), n)) {
      case SSL_ERROR_WANT_READ:
        *wait_events = POLLIN;
        errno = EAGAIN;
        return -1;
      case SSL_ERROR_WANT_WRITE:
        *wait_events = POLLOUT;
        errno = EAGAIN;
        return -1;
      case SSL_ERROR_ZERO_RETURN:
        return 0;  // close_notify: EOF
      case SSL_ERROR_SYSCALL:
        if (saved == 0 || ERR_peek_error() != 0) return 0;  // unexpected EOF
        errno = saved;
        return -1;
      case SSL_ERROR_SSL:
        if (unexpected_eof()) return 0;
        [[fallthrough]];
      default:
        ERR_clear_error();
        errno = EPROTO;
        return -1;
    }
  }

  SslPtr ssl_;
};

std::string cn_of(X509_NAME* name) {
  if (!name) return "";
  int len = X509_NAME_get_text_by_NID(name, NID_commonName, nullptr, 0);
  if (len <= 0) return "";
  std::string out(static_cast<size_t>(len) + 1, '\0');
  X509_NAME_get_text_by_NID(name, NID_commonName, out.data(), len + 1);
  out.resize(static_cast<size_t>(len));
  return out;
}

// Postfix's names for signature algorithms.
std::string sig_name(int type_nid, EVP_PKEY* key) {
  if (type_nid == NID_rsassaPss) return "RSA-PSS";
  if (type_nid == EVP_PKEY_RSA) return "RSA";
  if (type_nid == EVP_PKEY_EC) return "ECDSA";
  if (type_nid == EVP_PKEY_ED25519) return "ED25519";
  if (type_nid == EVP_PKEY_ED448) return "ED448";
  if (key) {
    int base = EVP_PKEY_get_base_id(key);
    if (base == EVP_PKEY_RSA) return "RSA";
    if (base == EVP_PKEY_EC) return "ECDSA";
  }
  const char* sn = type_nid != NID_undef ? OBJ_nid2sn(type_nid) : nullptr;
  return sn ? sn : "";
}

std::string digest_name(int nid) {
  if (nid == NID_undef) return "";
  const char* sn = OBJ_nid2sn(nid);
  return sn ? sn : "";
}

// Peer certificate names for `verified`: DNS subjectAltNames, or the CN when
// there are none (RFC 6125 fallback, as Postfix).
std::vector<std::string> cert_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = gn->d.dNSName;
      std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
      if (name.find('\0') == std::string::npos) names.push_back(name);
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    std::string cn = cn_of(X509_get_subject_name(cert));
    if (!cn.empty()) names.push_back(cn);
  }
  return names;
}

TlsInfo collect_info(SSL* ssl, bool server_side, const std::vector<std::string>& match_names) {
  TlsInfo info;
  info.protocol = SSL_get_version(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher) {
    info.cipher = SSL_CIPHER_get_name(cipher);
    info.cipher_bits = SSL_CIPHER_get_bits(cipher, &info.cipher_alg_bits);
  }
  X509Ptr peer(SSL_get1_peer_certificate(ssl));
  if (peer) {
    info.peer_cert = true;
    info.peer_cn = cn_of(X509_get_subject_name(peer.get()));
    info.peer_issuer_cn = cn_of(X509_get_issuer_name(peer.get()));
    info.trusted = SSL_get_verify_result(ssl) == X509_V_OK;
    if (info.trusted && !server_side) {
      for (const auto& have : cert_names(peer.get())) {
        for (const auto& want : match_names) {
          if (tls_name_matches(have, want)) info.verified = true;
        }
      }
    }
  }
  // Key exchange and signatures: Postfix 3.7 logs them for TLSv1.3 only.
  if (SSL_version(ssl) >= TLS1_3_VERSION) {
    int group = SSL_get_negotiated_group(ssl);
    if (group != NID_undef && !(group & TLSEXT_nid_unknown)) {
      const char* sn = OBJ_nid2sn(group);
      if (sn) info.kex = sn;
    }
    // Our side's signature and the peer's.
    int local_type = NID_undef, local_digest = NID_undef;
    int peer_type = NID_undef, peer_digest = NID_undef;
    EVP_PKEY* local_key = SSL_get_privatekey(ssl);
    bool local_signed = local_key && SSL_get_signature_type_nid(ssl, &local_type) == 1;
    if (local_signed) SSL_get_signature_nid(ssl, &local_digest);
    EVP_PKEY* peer_key = peer ? X509_get0_pubkey(peer.get()) : nullptr;
    bool peer_signed = peer_key && SSL_get_peer_signature_type_nid(ssl, &peer_type) == 1;
    if (peer_signed) SSL_get_peer_signature_nid(ssl, &peer_digest);
    auto fill = [](std::string& sig, int& bits, std::string& digest, int type, int dig,
                   EVP_PKEY* key) {
      sig = sig_name(type, key);
      bits = EVP_PKEY_get_bits(key);
      digest = digest_name(dig);
    };
    if (server_side) {
      if (local_signed)
        fill(info.server_sig, info.server_sig_bits, info.server_digest, local_type, local_digest,
             local_key);
      if (peer_signed)
        fill(info.client_sig, info.client_sig_bits, info.client_digest, peer_type, peer_digest,
             peer_key);
    } else {
      if (peer_signed)
        fill(info.server_sig, info.server_sig_bits, info.server_digest, peer_type, peer_digest,
             peer_key);
      if (local_signed)
        fill(info.client_sig, info.client_sig_bits, info.client_digest, local_type, local_digest,
             local_key);
    }
  }
  return info;
}

Result<TlsInfo> handshake(Stream& stream, TlsContext& ctx, bool server_side, const std::string& sni,
                          const std::vector<std::string>& match_names) {
  // Plaintext that arrived behind STARTTLS must not be taken as if it came
  // through TLS (command injection, CVE-2011-0411).
  if (stream.buffered() != 0)
    return fail_kind(ErrorKind::kMalformed, "plaintext input buffered before the TLS handshake");
  int fd = stream.fd();
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return fail_errno("fcntl");

  ERR_clear_error();
  SslPtr ssl(SSL_new(static_cast<SSL_CTX*>(ctx.native())));
  if (!ssl) return fail("cannot create SSL object" + library_errors());
  if (SSL_set_fd(ssl.get(), fd) != 1) return fail("SSL_set_fd failed" + library_errors());
  if (server_side) {
    SSL_set_accept_state(ssl.get());
  } else {
    SSL_set_connect_state(ssl.get());
    if (!sni.empty() && SSL_set_tlsext_host_name(ssl.get(), sni.c_str()) != 1)
      return fail("cannot set SNI name \"" + sni + "\"" + library_errors());
  }

  auto deadline = std::chrono::steady_clock::now() + stream.timeout();
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(ssl.get());
    if (r == 1) break;
    int saved = errno;
    short events = 0;
    switch (SSL_get_error(ssl.get(), r)) {
      case SSL_ERROR_WANT_READ:
        events = POLLIN;
        break;
      case SSL_ERROR_WANT_WRITE:
        events = POLLOUT;
        break;
      case SSL_ERROR_ZERO_RETURN:
        return fail_kind(ErrorKind::kEof, "lost connection");
      case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
          if (saved == 0 || saved == ECONNRESET || saved == EPIPE)
            return fail_kind(ErrorKind::kEof, "lost connection");
          return fail_errno("SSL handshake", saved);
        }
        [[fallthrough]];
      default: {
        if (unexpected_eof()) return fail_kind(ErrorKind::kEof, "lost connection");
        std::string detail = library_errors();
        return fail("handshake failed" + detail);
      }
    }
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return fail_kind(ErrorKind::kTimeout, "timeout");
      struct pollfd p {
        fd, events, 0
      };
      int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
      if (n > 0) break;
      if (n == 0) return fail_kind(ErrorKind::kTimeout, "timeout");
      if (errno != EINTR) return fail_errno("poll");
    }
  }
  TlsInfo info = collect_info(ssl.get(), server_side, match_names);
  stream.set_transport(std::make_unique<TlsTransport>(std::move(ssl)));
  return info;
}

}  // namespace

Result<TlsInfo> tls_accept(Stream& stream, TlsContext& ctx) {
  return handshake(stream, ctx, true, "", {});
}

Result<TlsInfo> tls_connect(Stream& stream, TlsContext& ctx, const std::string& sni,
                            const std::vector<std::string>& match_names) {
  return handshake(stream, ctx, false, sni, match_names);
}

std::string tls_describe(const TlsInfo& info) {
  std::string out = info.protocol + " with cipher " + info.cipher + " (" +
                    std::to_string(info.cipher_bits) + "/" + std::to_string(info.cipher_alg_bits) +
                    " bits)";
  if (!info.kex.empty()) out += " key-exchange " + info.kex;
  if (!info.server_sig.empty()) {
    out += " server-signature " + info.server_sig;
    if (info.server_sig_bits > 0) out += " (" + std::to_string(info.server_sig_bits) + " bits)";
    if (!info.server_digest.empty()) out += " server-digest " + info.server_digest;
  }
  if (!info.client_sig.empty()) {
    out += " client-signature " + info.client_sig;
    if (info.client_sig_bits > 0) out += " (" + std::to_string(info.client_sig_bits) + " bits)";
    if (!info.client_digest.empty()) out += " client-digest " + info.client_digest;
  }
  return out;
}

}  // namespace util
