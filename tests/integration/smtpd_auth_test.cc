// smtpd AUTH end to end: the seed recipe (a sasldb made by saslpasswd2 and
// copied into the chroot, smtpd.conf with "pwcheck_method: auxprop",
// smtpd_sasl_auth_enable, smtpd_tls_auth_only) under master with Debian's
// master.cf (smtpd chrooted), STARTTLS with a certificate made by openssl,
// and swaks as the real client. Replies and log lines as Postfix 3.7.11.
#include <sys/stat.h>

#include <catch.hpp>
#include <filesystem>
#include <string>

#include "tests/integration/smtpd_fixture.h"
#include "tests/support/cert_maker.h"
#include "tests/support/process.h"
#include "tests/support/sasldb_maker.h"
#include "tests/support/temp_dir.h"

namespace {

constexpr const char* kUser = "postmaster@example.com";
constexpr const char* kPassword = "s3cret-Pw";

// The seed's steps, in the instance's directories: saslpasswd2 -c -u
// example.com postmaster, sasl/smtpd.conf with only pwcheck_method, the
// database copied to QUEUE/etc/sasldb2 where the chrooted smtpd finds
// Cyrus's default /etc/sasldb2.
struct AuthSetup {
  test::TempDir work;
  test::CertFiles cert;
  std::string config_dir;

  explicit AuthSetup(const std::string& instance_dir) : config_dir(instance_dir) {
    test::SasldbMaker maker(work.path());
    auto added = maker.add_user("postmaster", "example.com", kPassword);
    REQUIRE(added);
    std::filesystem::create_directories(instance_dir + "/sasl");
    std::filesystem::create_directories(instance_dir + "/queue/etc");
    std::filesystem::copy_file(maker.sasldb_path(), instance_dir + "/queue/etc/sasldb2",
                               std::filesystem::copy_options::overwrite_existing);
    ::chmod((instance_dir + "/queue/etc/sasldb2").c_str(), 0644);
    std::FILE* conf = std::fopen((instance_dir + "/sasl/smtpd.conf").c_str(), "w");
    REQUIRE(conf);
    std::fputs("pwcheck_method: auxprop\n", conf);
    std::fclose(conf);
    cert = test::make_self_signed(work, "server", "mx.example.test", {"mx.example.test"});
  }

  std::string main_cf() const {
    return "smtpd_sasl_auth_enable = yes\n"
           "smtpd_tls_auth_only = yes\n"
           "cyrus_sasl_config_path = " +
           config_dir + "/sasl\n" +
           "smtpd_tls_security_level = may\n"
           "smtpd_tls_cert_file = " +
           cert.cert + "\nsmtpd_tls_key_file = " + cert.key + "\n";
  }
};

test::RunResult swaks(int port, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"swaks",
                                "--server",
                                "127.0.0.1",
                                "--port",
                                std::to_string(port),
                                "--ehlo",
                                "client.example",
                                "--from",
                                "sender@example.com",
                                "--to",
                                "someone@remote.example",
                                "--timeout",
                                "20"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  test::RunOptions o;
  o.timeout_seconds = 60;
  return test::run(argv, o);
}

bool swaks_has_tls() {
  if (test::skip_without("swaks", "AUTH tests use swaks as the client")) return false;
  auto support = test::run({"swaks", "--support"});
  if ((support.out + support.err).find("=== TLS supported") == std::string::npos) {
    WARN("SKIPPED: swaks has no TLS support (install libnet-ssleay-perl)");
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("smtpd AUTH PLAIN after STARTTLS with the seed's sasldb lets the client relay",
          "[smtpd][sasl][slow]") {
  if (test::skip_unless_root("master switches users and smtpd chroots")) return;
  if (test::skip_without("/usr/sbin/saslpasswd2", "the sasldb is made by saslpasswd2")) return;
  if (!swaks_has_tls()) return;

  // The instance directory exists once the fixture is made; the setup then
  // writes the SASL files into it and main.cf names them.
  smtpd_test::SmtpdOptions options;
  smtpd_test::SmtpdInstance probe(options);
  AuthSetup setup(probe.instance().path());
  // localhost must not be in mynetworks, or it relays without AUTH.
  probe.instance().dir().write("main.cf", probe.instance().dir().read("main.cf") + setup.main_cf() +
                                              "mynetworks = 192.0.2.0/24\n");
  REQUIRE(probe.start().exit_status == 0);
  int port = probe.port();

  SECTION("swaks: AUTH PLAIN after STARTTLS, then a remote recipient is accepted") {
    auto r = swaks(port, {"--tls", "--auth", "PLAIN", "--auth-user", kUser, "--auth-password",
                          kPassword, "--quit-after", "RCPT"});
    INFO(r.out << r.err);
    // Before STARTTLS (smtpd_tls_auth_only) AUTH is not offered; after it is.
    CHECK(r.out.find("<-  250-AUTH") == std::string::npos);
    CHECK(r.out.find("<~  250-AUTH") != std::string::npos);
    CHECK(r.out.find("<~  235 2.7.0 Authentication successful") != std::string::npos);
    CHECK(r.out.find("<~  250 2.1.5 Ok") != std::string::npos);
    // The client's name is localhost or unknown, as the chroot's resolver has it.
    bool logged =
        probe.log_has("[127.0.0.1], sasl_method=PLAIN, sasl_username=" + std::string(kUser));
    if (!logged) FAIL_CHECK(probe.log());
  }

  SECTION("swaks: AUTH LOGIN works the same") {
    auto r = swaks(port, {"--tls", "--auth", "LOGIN", "--auth-user", kUser, "--auth-password",
                          kPassword, "--quit-after", "RCPT"});
    INFO(r.out << r.err);
    CHECK(r.out.find("<~  334 VXNlcm5hbWU6") != std::string::npos);
    CHECK(r.out.find("<~  235 2.7.0 Authentication successful") != std::string::npos);
    CHECK(r.out.find("<~  250 2.1.5 Ok") != std::string::npos);
  }

  SECTION("a wrong password is 535 with Postfix's warning, and relaying stays closed") {
    auto r = swaks(port, {"--tls", "--auth", "PLAIN", "--auth-user", kUser, "--auth-password",
                          "wrong-password", "--quit-after", "RCPT"});
    INFO(r.out << r.err);
    CHECK(r.out.find("<~* 535 5.7.8 Error: authentication failed: authentication failure") !=
          std::string::npos);
    CHECK(
        probe.log_has("[127.0.0.1]: SASL PLAIN authentication failed: "
                      "authentication failure, sasl_username=" +
                      std::string(kUser)));
    CHECK(probe.log().find("wrong-password") == std::string::npos);

    auto c = probe.connect();
    REQUIRE(c);
    REQUIRE(c->command("EHLO client.example"));
    auto mail = c->command("MAIL FROM:<sender@example.com>");
    REQUIRE(mail);
    auto rcpt = c->command("RCPT TO:<someone@remote.example>");
    REQUIRE(rcpt);
    CHECK(rcpt->last() == "454 4.7.1 <someone@remote.example>: Relay access denied");
  }

  SECTION("before STARTTLS, AUTH is not enabled (smtpd_tls_auth_only)") {
    auto c = probe.connect();
    REQUIRE(c);
    auto ehlo = c->command("EHLO client.example");
    REQUIRE(ehlo);
    CHECK_FALSE(ehlo->has_keyword("AUTH"));
    CHECK(ehlo->has_keyword("STARTTLS"));
    auto auth = c->command("AUTH PLAIN AHBvc3RtYXN0ZXJAZXhhbXBsZS5jb20Ac2VjcmV0");
    REQUIRE(auth);
    CHECK(auth->last() == "503 5.5.1 Error: authentication not enabled");
  }
}

namespace {

// Debian's real Postfix as the SMTP client: an alternate instance with no
// listener of its own whose relayhost is our smtpd, authenticating with
// smtp_sasl_password_maps over STARTTLS. Stopped in the destructor.
class PostfixSender {
 public:
  PostfixSender(int relay_port, const std::string& user, const std::string& password) {
    const std::string d = dir_.path();
    std::filesystem::create_directories(d + "/data");
    std::filesystem::create_directories(d + "/queue");  // postfix start needs it
    test::run({"chown", "postfix", d + "/data"});
    dir_.write("sasl_passwd",
               "[127.0.0.1]:" + std::to_string(relay_port) + " " + user + ":" + password + "\n",
               0600);
    dir_.write("main.cf",
               "compatibility_level = 3.6\n"
               "queue_directory = " +
                   d + "/queue\ndata_directory = " + d + "/data\nmail_spool_directory = " + d +
                   "/mail\nmaillog_file = " + d +
                   "/maillog\nmaillog_file_prefixes = /tmp\n"
                   "myhostname = sender.example.test\nmydestination =\n"
                   "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
                   "relayhost = [127.0.0.1]:" +
                   std::to_string(relay_port) +
                   "\nsmtp_sasl_auth_enable = yes\n"
                   "smtp_sasl_password_maps = texthash:" +
                   d +
                   "/sasl_passwd\n"
                   "smtp_sasl_security_options = noanonymous\n"
                   "smtp_tls_security_level = encrypt\n");
    dir_.write("master.cf",
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
               "smtp unix - - n - - smtp\n"
               "relay unix - - n - - smtp\n"
               "showq unix n - n - - showq\n"
               "error unix - - n - - error\n"
               "retry unix - - n - - error\n"
               "discard unix - - n - - discard\n"
               "local unix - n n - - local\n"
               "anvil unix - - n - 1 anvil\n"
               "scache unix - - n - 1 scache\n"
               "postlog unix-dgram n - n - 1 postlogd\n");
    test::RunOptions o;
    o.timeout_seconds = 60;
    auto started = test::run({"/usr/sbin/postfix", "-c", d, "start"}, o);
    ok_ = started.exit_status == 0;
    start_output_ = started.out + started.err;
  }
  ~PostfixSender() {
    test::RunOptions o;
    o.timeout_seconds = 60;
    test::run({"/usr/sbin/postfix", "-c", dir_.path(), "stop"}, o);
  }
  bool ok() const { return ok_; }
  const std::string& start_output() const { return start_output_; }
  test::RunResult sendmail(const std::string& from, const std::string& to) const {
    test::RunOptions o;
    o.stdin_text = "Subject: relayed with AUTH\n\nhello\n";
    o.timeout_seconds = 30;
    return test::run({"/usr/sbin/sendmail", "-C", dir_.path(), "-f", from, to}, o);
  }
  std::string log() const { return dir_.read("maillog"); }

 private:
  test::TempDir dir_;
  bool ok_ = false;
  std::string start_output_;
};

}  // namespace

TEST_CASE("Debian's Postfix smtp client authenticates to our smtpd and relays through it",
          "[smtpd][sasl][slow]") {
  if (test::skip_unless_root("master switches users and smtpd chroots")) return;
  if (test::skip_without("/usr/sbin/saslpasswd2", "the sasldb is made by saslpasswd2")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the client here")) return;

  smtpd_test::SmtpdInstance ours;
  AuthSetup setup(ours.instance().path());
  ours.instance().dir().write("main.cf", ours.instance().dir().read("main.cf") + setup.main_cf() +
                                             "mynetworks = 192.0.2.0/24\n");
  REQUIRE(ours.start().exit_status == 0);

  PostfixSender sender(ours.port(), kUser, kPassword);
  INFO(sender.start_output());
  REQUIRE(sender.ok());
  auto sent = sender.sendmail("alice@sender.example.test", "someone@remote.example");
  REQUIRE(sent.exit_status == 0);

  // Our side: the client authenticated after STARTTLS and was allowed to
  // relay. libsasl2 on both ends picks the strongest mechanism the seed's
  // smtpd.conf (no mech_list) allows, SCRAM-SHA-512 on Debian 12.
  bool logged = ours.log_has(", sasl_username=" + std::string(kUser));
  if (!logged) FAIL_CHECK("our log:\n" << ours.log() << "\ntheir log:\n" << sender.log());
  CHECK(ours.log().find("[127.0.0.1], sasl_method=") != std::string::npos);
  // Theirs: delivered to us with our 250 reply.
  bool delivered = master_test::eventually(
      [&] {
        std::string log = sender.log();
        return log.find("to=<someone@remote.example>, relay=127.0.0.1[127.0.0.1]:" +
                        std::to_string(ours.port())) != std::string::npos &&
               log.find("status=sent (250 2.0.0 Ok: queued as ") != std::string::npos;
      },
      std::chrono::seconds(30));
  if (!delivered) FAIL_CHECK("their log:\n" << sender.log() << "\nour log:\n" << ours.log());
  CHECK(sender.log().find(kPassword) == std::string::npos);
  CHECK(ours.log().find(kPassword) == std::string::npos);
}
