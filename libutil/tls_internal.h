// Internals shared by libutil/tls_*.cc only (not for other folders): RAII
// holders for OpenSSL objects and the error-queue reader.
// Easy to get wrong: OpenSSL's error queue is per thread and must be cleared
// before each call whose failure we inspect, or an old entry is reported.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace util::tls_internal {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Drain OpenSSL's error queue: "\nTLS library problem: error:...:file:line:data:"
// per entry (empty when the queue is empty).
std::string library_errors();

}  // namespace util::tls_internal
