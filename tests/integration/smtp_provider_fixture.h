// Debian's real Postfix as "the provider" for the smtp client tests: an
// alternate instance (postfix -c DIR start) listening on a loopback port
// with STARTTLS (a certificate made by openssl), SASL AUTH against a
// sasldb made by saslpasswd2, relaying only for authenticated clients,
// and passing what it accepts on to an smtp-sink. Used by smtp_auth_test.cc.
// Easy to get wrong: Postfix's daemons run as "postfix" and must read the
// key, the sasldb and the instance directory; the instance must be stopped
// (postfix -c DIR stop) even when a test fails, hence the destructor.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/integration/master_fixture.h"
#include "tests/integration/smtp_fixture.h"
#include "tests/support/cert_maker.h"
#include "tests/support/process.h"
#include "tests/support/sasldb_maker.h"
#include "tests/support/temp_dir.h"

namespace smtp_test {

inline const char* kPostfix = "/usr/sbin/postfix";

class Provider {
 public:
  // `user`@`realm` with `password` may AUTH; mail goes on to `sink_port`.
  Provider(const std::string& user, const std::string& realm, const std::string& password,
           int sink_port)
      : port_(master_test::free_port()) {
    ::chmod(dir_.path().c_str(), 0755);
    const std::string d = dir_.path();
    std::filesystem::create_directories(d + "/data");
    std::filesystem::create_directories(d + "/sasl");
    std::filesystem::create_directories(d + "/queue");
    test::run({"chown", "postfix", d + "/data"});
    test::SasldbMaker sasl(d + "/sasl");
    ok_ = sasl.add_user(user, realm, password).has_value();
    sasl.write_conf("smtpd", "PLAIN LOGIN");
    test::run({"chmod", "0755", d + "/sasl"});
    test::run({"chmod", "0644", sasl.sasldb_path(), sasl.conf_path("smtpd")});
    ca_ = test::make_ca(dir_, "ca");
    auto cert =
        test::make_cert(dir_, "provider", ca_, "provider.example.test", {"provider.example.test"});
    test::run({"chmod", "0644", cert.key, cert.cert, ca_.cert});
    dir_.write("main.cf",
               "compatibility_level = 3.6\n"
               "queue_directory = " +
                   d +
                   "/queue\n"
                   "data_directory = " +
                   d +
                   "/data\n"
                   "mail_spool_directory = " +
                   d +
                   "/mail\n"
                   "maillog_file = " +
                   d +
                   "/maillog\n"
                   "maillog_file_prefixes = /tmp\n"
                   "myhostname = provider.example.test\n"
                   "mydestination =\n"
                   "inet_interfaces = 127.0.0.1\n"
                   "inet_protocols = ipv4\n"
                   "relayhost = [127.0.0.1]:" +
                   std::to_string(sink_port) +
                   "\n"
                   "smtpd_tls_security_level = may\n"
                   "smtpd_tls_cert_file = " +
                   cert.cert +
                   "\n"
                   "smtpd_tls_key_file = " +
                   cert.key +
                   "\n"
                   "smtpd_sasl_auth_enable = yes\n"
                   "smtpd_sasl_path = smtpd\n"
                   "cyrus_sasl_config_path = " +
                   d +
                   "/sasl\n"
                   "smtpd_tls_auth_only = yes\n"
                   "smtpd_relay_restrictions = permit_sasl_authenticated, reject\n"
                   "smtpd_recipient_restrictions =\n");
    // Debian's service list without chroot (the instance directory holds
    // no copies of /etc) and without the pipe services.
    std::string services = "127.0.0.1:" + std::to_string(port_) + " inet n - n - - smtpd\n";
    services +=
        "pickup unix n - n 60 1 pickup\n"
        "cleanup unix n - n - 0 cleanup\n"
        "qmgr unix n - n 300 1 qmgr\n"
        "tlsmgr unix - - n 1000? 1 tlsmgr\n"
        "rewrite unix - - n - - trivial-rewrite\n"
        "bounce unix - - n - 0 bounce\n"
        "defer unix - - n - 0 bounce\n"
        "trace unix - - n - 0 bounce\n"
        "verify unix - - n - 1 verify\n"
        "flush unix n - n 1000? 0 flush\n"
        "proxymap unix - - n - - proxymap\n"
        "proxywrite unix - - n - 1 proxymap\n"
        "smtp unix - - n - - smtp\n"
        "relay unix - - n - - smtp\n"
        "showq unix n - n - - showq\n"
        "error unix - - n - - error\n"
        "retry unix - - n - - error\n"
        "discard unix - - n - - discard\n"
        "local unix - n n - - local\n"
        "anvil unix - - n - 1 anvil\n"
        "scache unix - - n - 1 scache\n"
        "postlog unix-dgram n - n - 1 postlogd\n";
    dir_.write("master.cf", services);
    test::RunOptions o;
    o.timeout_seconds = 60;
    auto started = test::run({kPostfix, "-c", d, "start"}, o);
    start_output_ = started.out + started.err;
    ok_ =
        ok_ && started.exit_status == 0 &&
        master_test::eventually(
            [&] {
              return util::inet_connect("127.0.0.1", std::to_string(port_), std::chrono::seconds(1))
                  .has_value();
            },
            std::chrono::seconds(20));
  }
  ~Provider() {
    test::RunOptions o;
    o.timeout_seconds = 60;
    test::run({kPostfix, "-c", dir_.path(), "stop"}, o);
  }

  bool ok() const { return ok_; }
  const std::string& start_output() const { return start_output_; }
  int port() const { return port_; }
  const test::CertFiles& ca() const { return ca_; }
  std::string log() const { return dir_.read("maillog"); }

 private:
  test::TempDir dir_;
  int port_;
  bool ok_ = false;
  std::string start_output_;
  test::CertFiles ca_;
};

}  // namespace smtp_test
