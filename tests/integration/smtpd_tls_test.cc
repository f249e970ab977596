// smtpd STARTTLS and wrapper mode under master (Debian's master.cf, smtpd
// chrooted), with certificates made by openssl and real clients: openssl
// s_client, swaks --tls, and util::tls_connect on the test SMTP client.
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch.hpp>
#include <regex>
#include <string>

#include "libutil/fd.h"
#include "libutil/tls.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/support/cert_maker.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;
using smtpd_test::SmtpdOptions;

namespace {

constexpr const char* kTls13Line =
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
    "server-signature RSA-PSS (2048 bits) server-digest SHA256";

struct TlsSetup {
  test::TempDir work;
  test::CertFiles ca = test::make_ca(work, "ca");
  test::CertFiles cert =
      test::make_cert(work, "server", ca, "mx.example.test", {"mx.example.test"});

  std::string main_cf(const std::string& level = "may") const {
    return "smtpd_tls_security_level = " + level + "\nsmtpd_tls_cert_file = " + cert.cert +
           "\nsmtpd_tls_key_file = " + cert.key +
           "\nsmtpd_tls_loglevel = 1\nsmtpd_tls_received_header = yes\n";
  }
};

// A loopback port nobody listens on right now (for a second inet service).
int free_port() {
  util::Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(fd.valid());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return ntohs(a.sin_port);
}

test::RunResult s_client(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{"openssl", "s_client", "-quiet", "-crlf"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::RunOptions o;
  o.stdin_text = input;
  o.timeout_seconds = 30;
  return test::run(argv, o);
}

bool swaks_has_tls() {
  if (test::skip_without("swaks", "the TLS message test uses swaks as the client")) return false;
  auto support = test::run({"swaks", "--support"});
  if ((support.out + support.err).find("=== TLS supported") == std::string::npos) {
    WARN("SKIPPED: swaks has no TLS support (install libnet-ssleay-perl)");
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("smtpd STARTTLS with openssl s_client: offered, handshake, not offered again, logged",
          "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("openssl", "the real TLS client")) return;
  TlsSetup t;
  SmtpdOptions o;
  o.main_cf = t.main_cf();
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);

  auto c = s.connect();
  REQUIRE(c);
  auto ehlo = c->command("EHLO client.example.org");
  REQUIRE(ehlo);
  CHECK(ehlo->has_keyword("STARTTLS"));
  REQUIRE(c->command("QUIT"));

  auto r =
      s_client({"-starttls", "smtp", "-connect", "127.0.0.1:" + std::to_string(s.port()), "-CAfile",
                t.ca.cert, "-verify_hostname", "mx.example.test", "-verify_return_error"},
               "EHLO client.example.org\nQUIT\n");
  INFO(r.out << r.err);
  // s_client's own EHLO and STARTTLS came first; ours runs inside TLS.
  auto after = r.out.rfind("250-mx.example.test");
  REQUIRE(after != std::string::npos);
  std::string inside = r.out.substr(after);
  CHECK(inside.find("250-PIPELINING") != std::string::npos);
  CHECK(inside.find("STARTTLS") == std::string::npos);
  CHECK(inside.find("221 2.0.0 Bye") != std::string::npos);
  // -verify_return_error: the session above exists only if the chain and the
  // name verified against our CA.
  CHECK(r.err.find("verify error") == std::string::npos);
  CHECK(s.log_has(std::string("Anonymous TLS connection established from unknown[127.0.0.1]: ") +
                  kTls13Line));
  CHECK(s.log_has("ehlo=2 starttls=1 quit=1 commands=4"));
}

TEST_CASE("smtpd: mail sent by swaks over STARTTLS arrives with the TLS Received comment",
          "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (!swaks_has_tls()) return;
  TlsSetup t;
  SmtpdOptions o;
  o.main_cf = t.main_cf();
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  test::RunOptions ro;
  ro.timeout_seconds = 60;
  auto r = test::run(
      {"swaks", "--tls", "--server", "127.0.0.1", "--port", std::to_string(s.port()), "--helo",
       "client.example.org", "--from", "sender@example.org", "--to", "root@mx.example.test",
       "--header", "Subject: over tls", "--body", "hello through TLS", "--timeout", "30"},
      ro);
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)")));
  std::string qid = m[1];
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box);
  CHECK(box.find("Received: from client.example.org (unknown [127.0.0.1])\n"
                 "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
                 "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest "
                 "SHA256)\n"
                 "\t(No client certificate requested)\n"
                 "\tby mx.example.test (Postfix) with ESMTPS id " +
                 qid + "\n") != std::string::npos);
  CHECK(box.find("\nhello through TLS\n") != std::string::npos);
  CHECK(s.log_has(std::string("Anonymous TLS connection established from unknown[127.0.0.1]: ") +
                  kTls13Line));
}

TEST_CASE("smtpd_tls_security_level = encrypt: 530 before STARTTLS, mail after it",
          "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  TlsSetup t;
  SmtpdOptions o;
  o.main_cf = t.main_cf("encrypt");
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  auto ehlo = c->command("EHLO client.example.org");
  REQUIRE(ehlo);
  CHECK(ehlo->has_keyword("STARTTLS"));
  auto mail = c->command("MAIL FROM:<sender@example.org>");
  REQUIRE(mail);
  CHECK(mail->text() == "530 5.7.0 Must issue a STARTTLS command first");
  auto noop = c->command("NOOP");
  REQUIRE(noop);
  CHECK(noop->text() == "250 2.0.0 Ok");
  auto go = c->command("STARTTLS");
  REQUIRE(go);
  CHECK(go->text() == "220 2.0.0 Ready to start TLS");
  util::TlsClientSettings cs;
  cs.ca_file = t.ca.cert;
  auto ctx = util::TlsContext::client(cs);
  REQUIRE(ctx);
  auto info = util::tls_connect(c->stream(), **ctx, "mx.example.test", {"mx.example.test"});
  REQUIRE(info);
  CHECK(info->verified);
  auto ehlo2 = c->command("EHLO client.example.org");
  REQUIRE(ehlo2);
  CHECK_FALSE(ehlo2->has_keyword("STARTTLS"));
  auto sent = c->send_message("sender@example.org", {"root@mx.example.test"},
                              "Subject: encrypted\n\nbody\n");
  REQUIRE(sent);
  CHECK(test::queued_as(*sent));
  REQUIRE(c->command("QUIT"));
  REQUIRE(s.wait_for_messages("root", 1));
  CHECK(s.mailbox("root").find("with ESMTPS id") != std::string::npos);
}

TEST_CASE("smtpd: commands pipelined behind STARTTLS are never executed", "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  TlsSetup t;
  SmtpdOptions o;
  o.main_cf = t.main_cf();
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  REQUIRE(c->send_raw("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n"));
  auto go = c->read_reply();
  REQUIRE(go);
  CHECK(go->text() == "220 2.0.0 Ready to start TLS");
  // Nothing more in plaintext: no reply to the injected MAIL, and the
  // session ends instead of taking it as if it came through TLS.
  CHECK(c->closed_within(std::chrono::seconds(10)));
  CHECK(s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2"));
  CHECK(s.log().find("mail=") == std::string::npos);
}

TEST_CASE("smtpd_tls_wrappermode = yes on a second service speaks TLS from the first byte",
          "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("openssl", "the real TLS client")) return;
  TlsSetup t;
  int port = free_port();
  SmtpdOptions o;
  o.main_cf = t.main_cf("none");
  o.master_cf = "127.0.0.1:" + std::to_string(port) +
                " inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);

  // The plain service offers no STARTTLS at level none.
  auto c = s.connect();
  REQUIRE(c);
  auto ehlo = c->command("EHLO client.example.org");
  REQUIRE(ehlo);
  CHECK_FALSE(ehlo->has_keyword("STARTTLS"));

  auto r = s_client({"-connect", "127.0.0.1:" + std::to_string(port), "-CAfile", t.ca.cert},
                    "EHLO client.example.org\nQUIT\n");
  INFO(r.out << r.err);
  CHECK(r.out.find("220 mx.example.test ESMTP Postfix") != std::string::npos);
  CHECK(r.out.find("250-PIPELINING") != std::string::npos);
  CHECK(r.out.find("STARTTLS") == std::string::npos);
  CHECK(r.out.find("221 2.0.0 Bye") != std::string::npos);
  CHECK(s.log_has(std::string("Anonymous TLS connection established from unknown[127.0.0.1]: ") +
                  kTls13Line));
}

// Postfix 3.7.11 keeps STARTTLS in EHLO and answers 454 when the certificate
// cannot be loaded; the engine needs SmtpdTls::local_problem() for the 454.
TEST_CASE("smtpd with an unreadable certificate warns and answers STARTTLS with 454",
          "[smtpd][tls][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  TlsSetup t;
  SmtpdOptions o;
  o.main_cf =
      "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = " + t.work.file("gone.pem") + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  auto ehlo = c->command("EHLO client.example.org");
  REQUIRE(ehlo);
  CHECK(ehlo->has_keyword("STARTTLS"));
  CHECK(s.log_has("warning: cannot get RSA certificate from file \"" + t.work.file("gone.pem") +
                  "\": disabling TLS support"));
  auto go = c->command("STARTTLS");
  REQUIRE(go);
  CHECK(go->text() == "454 4.7.0 TLS not available due to local problem");
  auto mail = c->command("MAIL FROM:<sender@example.org>");
  REQUIRE(mail);
  CHECK(mail->text() == "250 2.1.0 Ok");
}
