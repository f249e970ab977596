// smtpd::SmtpdTls: the smtpd_tls_* parameters, the handshake with Postfix's
// log line, and the Received header comments, over a socketpair with a real
// OpenSSL client (util::tls_connect).
#include "smtpd/smtpd_tls.h"

#include <sys/socket.h>

#include <catch.hpp>
#include <chrono>
#include <future>

#include "libutil/tls.h"
#include "tests/support/cert_maker.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;

struct Fixture {
  test::TempDir dir;
  test::CertFiles ca = test::make_ca(dir, "ca");
  test::CertFiles server =
      test::make_cert(dir, "server", ca, "mx.example.test", {"mx.example.test"});
  conf::Config config;

  Fixture() {
    config.set_override("smtpd_tls_cert_file", server.cert);
    config.set_override("smtpd_tls_key_file", server.key);
    config.set_override("smtpd_tls_security_level", "may");
  }
  std::unique_ptr<smtpd::SmtpdTls> create() {
    auto tls = smtpd::SmtpdTls::create(config);
    INFO((tls ? std::string() : tls.error().message));
    REQUIRE(tls);
    return std::move(*tls);
  }
};

smtpd::Session localhost_session() {
  smtpd::Session session;
  session.client.name = "localhost";
  session.client.addr = "127.0.0.1";
  session.helo_name = "client.example.org";
  session.esmtp = true;
  session.sender = "a@example.org";
  return session;
}

struct Connected {
  util::Stream server;
  util::Stream client;
};

Connected connect_pair() {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  return Connected{util::Stream(util::Fd(sv[0]), 5000ms), util::Stream(util::Fd(sv[1]), 5000ms)};
}

// Run smtpd's start() against a real TLS client; returns start()'s result.
util::Result<void> handshake(smtpd::SmtpdTls& tls, smtpd::Session& session,
                             const util::TlsClientSettings& client_settings = {}) {
  auto pair = connect_pair();
  auto ctx = util::TlsContext::client(client_settings);
  REQUIRE(ctx);
  auto client = std::async(std::launch::async, [&] {
    return util::tls_connect(pair.client, **ctx, "mx.example.test", {"mx.example.test"});
  });
  auto r = tls.start(pair.server, session);
  auto c = client.get();
  if (r) {
    REQUIRE(c);
    // The stream now speaks TLS.
    REQUIRE(pair.client.write("EHLO client.example.org\r\n"));
    REQUIRE(pair.client.flush());
    auto line = pair.server.read_line(100);
    REQUIRE(line);
    CHECK(line->text == "EHLO client.example.org\r");
  }
  return r;
}

}  // namespace

TEST_CASE("smtpd TLS security levels come from smtpd_tls_security_level or the legacy switches",
          "[smtpd][tls]") {
  Fixture f;
  SECTION("none by default") {
    f.config.set_override("smtpd_tls_security_level", "");
    auto tls = f.create();
    CHECK_FALSE(tls->available());
    CHECK_FALSE(tls->required());
    CHECK_FALSE(tls->local_problem());
  }
  SECTION("may") {
    auto tls = f.create();
    CHECK(tls->available());
    CHECK_FALSE(tls->required());
    CHECK_FALSE(tls->auth_only());
    CHECK_FALSE(tls->wrapper_mode());
    CHECK_FALSE(tls->local_problem());
  }
  SECTION("encrypt requires TLS and hides AUTH before it") {
    f.config.set_override("smtpd_tls_security_level", "encrypt");
    auto tls = f.create();
    CHECK(tls->available());
    CHECK(tls->required());
    CHECK(tls->auth_only());
  }
  SECTION("smtpd_tls_auth_only") {
    f.config.set_override("smtpd_tls_auth_only", "yes");
    CHECK(f.create()->auth_only());
  }
  SECTION("smtpd_use_tls = yes means may") {
    f.config.set_override("smtpd_tls_security_level", "");
    f.config.set_override("smtpd_use_tls", "yes");
    auto tls = f.create();
    CHECK(tls->available());
    CHECK_FALSE(tls->required());
  }
  SECTION("smtpd_enforce_tls = yes means encrypt") {
    f.config.set_override("smtpd_tls_security_level", "");
    f.config.set_override("smtpd_enforce_tls", "yes");
    CHECK(f.create()->required());
  }
  SECTION("the level wins over the legacy switches") {
    f.config.set_override("smtpd_enforce_tls", "yes");
    CHECK_FALSE(f.create()->required());
  }
  SECTION("wrapper mode") {
    f.config.set_override("smtpd_tls_wrappermode", "yes");
    auto tls = f.create();
    CHECK(tls->wrapper_mode());
    CHECK(tls->available());
  }
  SECTION("a bad level is a configuration error") {
    f.config.set_override("smtpd_tls_security_level", "sometimes");
    auto tls = smtpd::SmtpdTls::create(f.config);
    REQUIRE_FALSE(tls);
    CHECK(tls.error().message == "invalid smtpd_tls_security_level value: \"sometimes\"");
  }
  SECTION("a bad protocol list is a configuration error") {
    f.config.set_override("smtpd_tls_protocols", ">=TLSv7");
    auto tls = smtpd::SmtpdTls::create(f.config);
    REQUIRE_FALSE(tls);
    CHECK(tls.error().message.find("smtpd_tls_protocols") != std::string::npos);
  }
  SECTION("a bad cipher grade is a configuration error") {
    f.config.set_override("smtpd_tls_ciphers", "strongest");
    auto tls = smtpd::SmtpdTls::create(f.config);
    REQUIRE_FALSE(tls);
    CHECK(tls.error().message == "invalid smtpd_tls_ciphers value: \"strongest\"");
  }
}

TEST_CASE("smtpd TLS with an unreadable certificate warns and reports a local problem",
          "[smtpd][tls]") {
  Fixture f;
  test::LogCapture log;
  SECTION("missing certificate file") {
    f.config.set_override("smtpd_tls_cert_file", f.dir.file("nonexistent.pem"));
    auto tls = f.create();
    CHECK(tls->available());  // EHLO still offers STARTTLS, as Postfix
    CHECK(tls->local_problem());
    CHECK(log.contains("warning: cannot get RSA certificate from file \"" +
                       f.dir.file("nonexistent.pem") + "\": disabling TLS support"));
    CHECK(log.contains("warning: TLS library problem: error:"));
    auto session = localhost_session();
    auto pair = connect_pair();
    CHECK_FALSE(tls->start(pair.server, session));
    CHECK_FALSE(session.tls_active);
  }
  SECTION("no certificate configured") {
    f.config.set_override("smtpd_tls_cert_file", "");
    f.config.set_override("smtpd_tls_key_file", "");
    auto tls = f.create();
    CHECK(tls->local_problem());
    CHECK(log.contains("warning: No server certs available. TLS won't be enabled"));
  }
}

TEST_CASE("smtpd TLS handshake fills the session, logs and writes the Received comment",
          "[smtpd][tls]") {
  Fixture f;
  f.config.set_override("smtpd_tls_loglevel", "1");
  f.config.set_override("smtpd_tls_received_header", "yes");
  test::LogCapture log;

  SECTION("anonymous client") {
    auto tls = f.create();
    auto session = localhost_session();
    REQUIRE(handshake(*tls, session));
    CHECK(session.tls_active);
    CHECK(session.tls_protocol == "TLSv1.3");
    CHECK(session.tls_cipher == "TLS_AES_256_GCM_SHA384");
    CHECK(session.tls_cipher_bits == 256);
    // RFC 3207: the client must say EHLO again; the transaction is gone.
    CHECK_FALSE(session.helo_name);
    CHECK_FALSE(session.sender);
    CHECK(log.contains(
        "Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.3 with cipher "
        "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS "
        "(2048 bits) server-digest SHA256"));
    CHECK(tls->received_comment(session) ==
          "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
          "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
          "\t(No client certificate requested)");
  }
  SECTION("trusted client certificate") {
    f.config.set_override("smtpd_tls_ask_ccert", "yes");
    f.config.set_override("smtpd_tls_CAfile", f.ca.cert);
    auto client = test::make_cert(f.dir, "client", f.ca, "client.example.org");
    auto tls = f.create();
    auto session = localhost_session();
    util::TlsClientSettings cs;
    cs.cert_file = client.cert;
    cs.key_file = client.key;
    REQUIRE(handshake(*tls, session, cs));
    CHECK(
        log.contains("Trusted TLS connection established from localhost[127.0.0.1]: TLSv1.3 "
                     "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
                     "server-signature RSA-PSS (2048 bits) server-digest SHA256 "
                     "client-signature RSA-PSS (2048 bits) client-digest SHA256"));
    CHECK(tls->received_comment(session) ==
          "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
          "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256\n"
          "\t client-signature RSA-PSS (2048 bits) client-digest SHA256)\n"
          "\t(Client CN \"client.example.org\", Issuer \"Postern Test CA\" (verified OK))");
  }
  SECTION("untrusted client certificate") {
    f.config.set_override("smtpd_tls_ask_ccert", "yes");
    f.config.set_override("smtpd_tls_CAfile", f.ca.cert);
    auto self = test::make_self_signed(f.dir, "self", "self.example.org");
    auto tls = f.create();
    auto session = localhost_session();
    util::TlsClientSettings cs;
    cs.cert_file = self.cert;
    cs.key_file = self.key;
    REQUIRE(handshake(*tls, session, cs));
    CHECK(log.contains("Untrusted TLS connection established from localhost[127.0.0.1]: "));
    CHECK(tls->received_comment(session).ends_with(
        "\t(Client CN \"self.example.org\", Issuer \"self.example.org\" (not verified))"));
  }
  SECTION("certificate asked for but not sent, TLSv1.2") {
    f.config.set_override("smtpd_tls_ask_ccert", "yes");
    f.config.set_override("smtpd_tls_protocols", "<=TLSv1.2");
    auto tls = f.create();
    auto session = localhost_session();
    REQUIRE(handshake(*tls, session));
    CHECK(
        log.contains("Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.2 "
                     "with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"));
    CHECK(tls->received_comment(session) ==
          "(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n"
          "\t(Client did not present a certificate)");
  }
  SECTION("no Received comment unless smtpd_tls_received_header = yes; no log at loglevel 0") {
    f.config.set_override("smtpd_tls_received_header", "no");
    f.config.set_override("smtpd_tls_loglevel", "0");
    auto tls = f.create();
    auto session = localhost_session();
    REQUIRE(handshake(*tls, session));
    CHECK(tls->received_comment(session).empty());
    CHECK_FALSE(log.contains("TLS connection established"));
  }
}

TEST_CASE("smtpd TLS refuses plaintext pipelined behind STARTTLS", "[smtpd][tls]") {
  Fixture f;
  auto tls = f.create();
  auto session = localhost_session();
  auto pair = connect_pair();
  REQUIRE(pair.client.write("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n"));
  REQUIRE(pair.client.flush());
  REQUIRE(pair.server.read_line(100));
  auto r = tls->start(pair.server, session);
  REQUIRE_FALSE(r);
  CHECK_FALSE(session.tls_active);
  CHECK(session.sender == "a@example.org");  // untouched: the engine ends the session
}

TEST_CASE("smtpd TLS logs a handshake that fails", "[smtpd][tls]") {
  Fixture f;
  test::LogCapture log;
  auto tls = f.create();
  auto session = localhost_session();
  auto pair = connect_pair();
  { auto gone = std::move(pair.client); }
  auto r = tls->start(pair.server, session);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == util::ErrorKind::kEof);
  CHECK(log.contains("SSL_accept error from localhost[127.0.0.1]: lost connection"));
}

TEST_CASE("smtpd TLS handshake has the smtpd_starttls_timeout deadline", "[smtpd][tls]") {
  Fixture f;
  test::LogCapture log;
  f.config.set_override("smtpd_starttls_timeout", "1s");
  auto tls = f.create();
  auto session = localhost_session();
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  util::Stream server(util::Fd(sv[0]), 60s);
  util::Fd silent_client(sv[1]);
  auto start = std::chrono::steady_clock::now();
  auto r = tls->start(server, session);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == util::ErrorKind::kTimeout);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(server.timeout() == 60s);  // the session's own deadline is back
  // Postfix 3.7.11's words.
  CHECK(log.contains("SSL_accept error from localhost[127.0.0.1]: Connection timed out"));
}

TEST_CASE("smtpd TLS logs -1 and the library problem for a client that is not speaking TLS",
          "[smtpd][tls]") {
  Fixture f;
  test::LogCapture log;
  auto tls = f.create();
  auto session = localhost_session();
  auto pair = connect_pair();
  REQUIRE(pair.client.write("GET / HTTP/1.0\r\n\r\n"));
  REQUIRE(pair.client.flush());
  REQUIRE_FALSE(tls->start(pair.server, session));
  CHECK(log.contains("SSL_accept error from localhost[127.0.0.1]: -1"));
  // As Postfix 3.7.11: "warning: TLS library problem: error:0A00009C:SSL
  // routines::http request:../ssl/record/ssl3_record.c:341:"
  bool found = false;
  for (const auto& line : log.lines()) {
    if (line.starts_with(
            "warning: TLS library problem: error:0A00009C:SSL routines::http request:") &&
        line.find("ssl3_record.c:") != std::string::npos && line.ends_with(":") &&
        !line.ends_with("::"))  // the line number is the library's; no empty data field
      found = true;
  }
  CHECK(found);
}
