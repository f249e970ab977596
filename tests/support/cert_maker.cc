#include "tests/support/cert_maker.h"

#include <sys/stat.h>

#include <catch.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/process.h"

namespace test {
namespace {

void run_openssl(const std::vector<std::string>& argv) {
  RunOptions options;
  options.timeout_seconds = 60;
  auto r = run(argv, options);
  INFO("openssl: " << r.err);
  REQUIRE(r.exit_status == 0);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string san_line(const std::vector<std::string>& dns_names) {
  if (dns_names.empty()) return "";
  std::string line = "subjectAltName=";
  for (size_t i = 0; i < dns_names.size(); ++i) {
    if (i) line += ",";
    line += "DNS:" + dns_names[i];
  }
  return line + "\n";
}

}  // namespace

CertFiles make_ca(const TempDir& dir, const std::string& name, const std::string& cn) {
  CertFiles ca{dir.file(name + ".pem"), dir.file(name + ".key"), cn};
  run_openssl({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.key,
               "-out", ca.cert, "-days", "3650", "-subj", "/CN=" + cn, "-addext",
               "basicConstraints=critical,CA:TRUE", "-addext",
               "keyUsage=critical,keyCertSign,cRLSign"});
  ::chmod(ca.key.c_str(), 0600);
  return ca;
}

CertFiles make_cert(const TempDir& dir, const std::string& name, const CertFiles& ca,
                    const std::string& cn, const std::vector<std::string>& dns_names) {
  CertFiles leaf{dir.file(name + ".pem"), dir.file(name + ".key"), cn};
  std::string csr = dir.file(name + ".csr");
  run_openssl({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", leaf.key,
               "-out", csr, "-subj", "/CN=" + cn});
  std::string ext = dir.write(name + ".ext", san_line(dns_names) +
                                                 "basicConstraints=CA:FALSE\n"
                                                 "extendedKeyUsage=serverAuth,clientAuth\n");
  run_openssl({"openssl", "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key,
               "-CAcreateserial", "-CAserial", dir.file(name + ".srl"), "-out", leaf.cert, "-days",
               "365", "-extfile", ext});
  ::chmod(leaf.key.c_str(), 0600);
  return leaf;
}

CertFiles make_self_signed(const TempDir& dir, const std::string& name, const std::string& cn,
                           const std::vector<std::string>& dns_names) {
  CertFiles cert{dir.file(name + ".pem"), dir.file(name + ".key"), cn};
  std::vector<std::string> argv{"openssl",  "req",       "-x509",   "-newkey",
                                "rsa:2048", "-nodes",    "-keyout", cert.key,
                                "-out",     cert.cert,   "-days",   "365",
                                "-subj",    "/CN=" + cn, "-addext", "basicConstraints=CA:FALSE"};
  if (!dns_names.empty()) {
    std::string san = san_line(dns_names);
    san.pop_back();  // the newline
    argv.push_back("-addext");
    argv.push_back(san);
  }
  run_openssl(argv);
  ::chmod(cert.key.c_str(), 0600);
  return cert;
}

std::string combined_pem(const TempDir& dir, const std::string& name, const CertFiles& cert,
                         const std::vector<std::string>& extra_certs) {
  std::string pem = slurp(cert.key) + slurp(cert.cert);
  for (const auto& extra : extra_certs) pem += slurp(extra);
  return dir.write(name, pem, 0600);
}

}  // namespace test
