// PLACEHOLDER until the OpenSSL wrapper lands: every call fails.
#include "libutil/tls.h"

namespace util {

TlsContext::~TlsContext() = default;

Result<std::unique_ptr<TlsContext>> TlsContext::server(const TlsServerSettings&) {
  return fail("TLS is not built");
}
Result<std::unique_ptr<TlsContext>> TlsContext::client(const TlsClientSettings&) {
  return fail("TLS is not built");
}
Result<TlsInfo> tls_accept(Stream&, TlsContext&) { return fail("TLS is not built"); }
Result<TlsInfo> tls_connect(Stream&, TlsContext&, const std::string&,
                            const std::vector<std::string>&) {
  return fail("TLS is not built");
}

}  // namespace util
