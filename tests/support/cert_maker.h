// Test certificates made with the real `openssl` command in a TempDir: a CA,
// certificates it signs (server or client, with DNS names), self-signed ones,
// and a "key + cert" combined PEM. Used by the TLS, SASL-over-TLS and smtp
// client tests.
// Easy to get wrong: each call runs `openssl` (RSA 2048, ~0.2 s), so make a CA
// once per test case; keys are unencrypted (-nodes) and mode 0600, so a test
// that runs a daemon as another user must chmod/chown them itself.
#pragma once

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace test {

struct CertFiles {
  std::string cert;  // PEM certificate path
  std::string key;   // PEM private key path (unencrypted)
  std::string cn;    // subject CN
};

// A CA certificate (basicConstraints CA:TRUE) named `name`.pem / `name`.key.
CertFiles make_ca(const TempDir& dir, const std::string& name,
                  const std::string& cn = "Postern Test CA");

// A leaf certificate for `cn` signed by `ca`; `dns_names` become
// subjectAltName DNS entries (may hold "*.example.test"). When empty, the
// certificate has no subjectAltName, only the CN. Usable as server and client
// certificate (extendedKeyUsage serverAuth, clientAuth).
CertFiles make_cert(const TempDir& dir, const std::string& name, const CertFiles& ca,
                    const std::string& cn, const std::vector<std::string>& dns_names = {});

// A self-signed leaf certificate for `cn` (trusted by nobody).
CertFiles make_self_signed(const TempDir& dir, const std::string& name, const std::string& cn,
                           const std::vector<std::string>& dns_names = {});

// Write key then certificate (then `extra_certs`, e.g. the CA) into one PEM
// file `name` and return its path: the smtpd_tls_chain_files form, and the
// "key in the cert file" form of smtpd_tls_cert_file.
std::string combined_pem(const TempDir& dir, const std::string& name, const CertFiles& cert,
                         const std::vector<std::string>& extra_certs = {});

}  // namespace test
