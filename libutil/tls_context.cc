// TlsContext (tls.h): SSL_CTX set-up for smtpd and the smtp client, and
// Postfix's protocol list syntax.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>

#include "libutil/tls.h"
#include "libutil/tls_internal.h"

namespace util {
namespace {

using tls_internal::BioPtr;
using tls_internal::library_errors;
using tls_internal::PkeyPtr;
using tls_internal::SslCtxPtr;

struct ProtocolName {
  const char* name;
  int version;
  long no_option;
};
// Oldest first. SSLv2 is only a name Postfix accepts in exclusions.
constexpr ProtocolName kProtocols[] = {
    {"SSLv3", SSL3_VERSION, SSL_OP_NO_SSLv3},       {"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
    {"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1}, {"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
    {"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
};
constexpr int kNumProtocols = sizeof kProtocols / sizeof kProtocols[0];

int protocol_index(const std::string& name) {
  for (int i = 0; i < kNumProtocols; ++i) {
    if (name == kProtocols[i].name) return i;
  }
  return -1;
}

bool same_ci(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The per-call verify callback: never fail the handshake here; the result
// (SSL_get_verify_result) decides "Trusted"/"Untrusted" afterwards, as Postfix
// does for opportunistic TLS.
int accept_any(int, X509_STORE_CTX*) { return 1; }

Result<void> apply_common(SSL_CTX* ctx, const std::string& protocols, const std::string& ciphers,
                          const std::string& groups, const std::string& ca_file,
                          const std::string& ca_path, const std::string& dh_param_file) {
  auto range = tls_parse_protocols(protocols);
  if (!range) return std::unexpected(range.error());
  if (range->min_version) SSL_CTX_set_min_proto_version(ctx, range->min_version);
  if (range->max_version) SSL_CTX_set_max_proto_version(ctx, range->max_version);
  SSL_CTX_set_options(ctx, static_cast<uint64_t>(range->disabled_options) | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION);
  if (!ciphers.empty()) {
    ERR_clear_error();
    if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1)
      return fail("invalid cipherlist \"" + ciphers + "\"" + library_errors());
  }
  if (!groups.empty()) {
    ERR_clear_error();
    if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1)
      return fail("failed to configure key-exchange groups \"" + groups + "\"" + library_errors());
  }
  if (!ca_file.empty() || !ca_path.empty()) {
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(ctx, ca_file.empty() ? nullptr : ca_file.c_str(),
                                      ca_path.empty() ? nullptr : ca_path.c_str()) != 1) {
      return fail("cannot load Certification Authority data, CAfile=\"" + ca_file +
                  "\", CApath=\"" + ca_path + "\"" + library_errors());
    }
  }
  if (!dh_param_file.empty()) {
    ERR_clear_error();
    BioPtr bio(BIO_new_file(dh_param_file.c_str(), "r"));
    PkeyPtr dh(bio ? PEM_read_bio_Parameters(bio.get(), nullptr) : nullptr);
    if (!dh)
      return fail("cannot load DH parameters from file \"" + dh_param_file + "\"" +
                  library_errors());
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh.get()) != 1)
      return fail("cannot use DH parameters from file \"" + dh_param_file + "\"" +
                  library_errors());
    (void)dh.release();  // the context owns it now
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  return {};
}

// A certificate (chain) and its key. `label` is Postfix's word for the
// parameter that named the file ("RSA" for smtpd_tls_cert_file).
Result<void> load_cert_and_key(SSL_CTX* ctx, const std::string& cert_file,
                               const std::string& key_file, const std::string& label) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    return fail("cannot get " + label + " certificate from file \"" + cert_file + "\"" +
                library_errors());
  const std::string& key = key_file.empty() ? cert_file : key_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      return fail(label + " private key in " + key + " does not match public key in " + cert_file +
                  library_errors());
    return fail("cannot get " + label + " private key from file \"" + key + "\"" +
                library_errors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(label + " private key in " + key + " does not match public key in " + cert_file +
                library_errors());
  return {};
}

}  // namespace

namespace tls_internal {

std::string library_errors() {
  std::string out;
  const char* file = nullptr;
  const char* data = nullptr;
  int line = 0;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(&file, &line, nullptr, &data, &flags)) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += "\nTLS library problem: ";
    out += buf;
    out += ":";
    out += file ? file : "";
    out += ":" + std::to_string(line) + ":";
    // Postfix's form: "...:FILE:LINE:" plus "DATA:" when there is data.
    if ((flags & ERR_TXT_STRING) && data && *data) out += std::string(data) + ":";
  }
  return out;
}

}  // namespace tls_internal

Result<TlsProtocolRange> tls_parse_protocols(const std::string& protocols) {
  // Postfix: a list of names (only these), "!name" (all but these), and
  // ">=name"/"<=name" bounds; separators are blanks, commas and colons.
  bool include[kNumProtocols] = {};
  bool exclude[kNumProtocols] = {};
  bool any_include = false;
  int lo = 0, hi = kNumProtocols - 1;
  std::string token;
  auto bad = [&](const std::string& t) {
    return fail("Invalid TLS protocol list \"" + protocols + "\": unknown protocol \"" + t + "\"");
  };
  auto take = [&](const std::string& t) -> Result<void> {
    if (t.empty()) return {};
    if (t.rfind(">=", 0) == 0 || t.rfind("<=", 0) == 0) {
      int i = protocol_index(t.substr(2));
      if (i < 0) return bad(t);
      if (t[0] == '>')
        lo = std::max(lo, i);
      else
        hi = std::min(hi, i);
    } else if (t[0] == '!') {
      if (t == "!SSLv2") return {};  // never supported anyway
      int i = protocol_index(t.substr(1));
      if (i < 0) return bad(t);
      exclude[i] = true;
    } else if (t == "SSLv2") {
      any_include = true;
    } else {
      int i = protocol_index(t);
      if (i < 0) return bad(t);
      include[i] = true;
      any_include = true;
    }
    return {};
  };
  for (char c : protocols) {
    if (c == ' ' || c == '\t' || c == ',' || c == ':' || c == '\n') {
      if (auto r = take(token); !r) return std::unexpected(r.error());
      token.clear();
    } else {
      token += c;
    }
  }
  if (auto r = take(token); !r) return std::unexpected(r.error());

  bool enabled[kNumProtocols];
  int first = -1, last = -1;
  for (int i = 0; i < kNumProtocols; ++i) {
    enabled[i] = i >= lo && i <= hi && !exclude[i] && (!any_include || include[i]);
    if (enabled[i]) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0)
    return fail("Invalid TLS protocol list \"" + protocols + "\": disables all protocols");
  TlsProtocolRange range;
  if (first > 0) range.min_version = kProtocols[first].version;
  if (last < kNumProtocols - 1) range.max_version = kProtocols[last].version;
  for (int i = first; i <= last; ++i) {
    if (!enabled[i]) range.disabled_options |= kProtocols[i].no_option;
  }
  return range;
}

bool tls_name_matches(const std::string& cert_name, const std::string& want) {
  if (cert_name.empty() || want.empty()) return false;
  std::string name = cert_name;
  if (name.back() == '.') name.pop_back();
  if (want[0] == '.') {
    // Any subdomain of `want` (Postfix's dot-nexthop form).
    if (name.size() <= want.size() || name.find('*') != std::string::npos) return false;
    return same_ci(name.substr(name.size() - want.size()), want);
  }
  if (name.rfind("*.", 0) == 0) {
    size_t dot = want.find('.');
    if (dot == std::string::npos || dot == 0) return false;
    return same_ci(name.substr(1), want.substr(dot));
  }
  return same_ci(name, want);
}

TlsContext::~TlsContext() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

Result<std::unique_ptr<TlsContext>> TlsContext::server(const TlsServerSettings& settings) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return fail("cannot allocate server SSL_CTX" + library_errors());
  if (auto r = apply_common(ctx.get(), settings.protocols, settings.ciphers, settings.groups,
                            settings.ca_file, settings.ca_path, settings.dh_param_file);
      !r)
    return std::unexpected(r.error());
  bool have_cert = false;
  if (!settings.cert_file.empty()) {
    if (auto r = load_cert_and_key(ctx.get(), settings.cert_file, settings.key_file, "RSA"); !r)
      return std::unexpected(r.error());
    have_cert = true;
  }
  for (const auto& file : settings.chain_files) {
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1)
      return fail("cannot load private key and certificate chain from file \"" + file + "\"" +
                  library_errors());
    have_cert = true;
  }
  if (!have_cert) return fail("no server certificate configured");

  static const unsigned char kSessionContext[] = "postern-smtpd";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (settings.ask_client_cert) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any);
    SSL_CTX_set_verify_depth(ctx.get(), settings.verify_depth);
    if (!settings.ca_file.empty()) {
      // Name our CAs in the certificate request, as Postfix does with a CAfile.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.ca_file.c_str()))
        SSL_CTX_set_client_CA_list(ctx.get(), names);
      ERR_clear_error();
    }
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  return std::make_unique<TlsContext>(Key{}, ctx.release());
}

Result<std::unique_ptr<TlsContext>> TlsContext::client(const TlsClientSettings& settings) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail("cannot allocate client SSL_CTX" + library_errors());
  if (auto r = apply_common(ctx.get(), settings.protocols, settings.ciphers, settings.groups,
                            settings.ca_file, settings.ca_path, "");
      !r)
    return std::unexpected(r.error());
  if (!settings.cert_file.empty()) {
    if (auto r = load_cert_and_key(ctx.get(), settings.cert_file, settings.key_file, "RSA"); !r)
      return std::unexpected(r.error());
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_verify_depth(ctx.get(), settings.verify_depth);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  return std::make_unique<TlsContext>(Key{}, ctx.release());
}

}  // namespace util
