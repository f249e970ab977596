// util::TlsContext, tls_accept and tls_connect over a socketpair with
// certificates made by the openssl command.
#include "libutil/tls.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "tests/support/cert_maker.h"
#include "tests/support/temp_dir.h"

// Designated initializers name only the settings a case changes.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using namespace std::chrono_literals;

struct Pair {
  util::Stream server;
  util::Stream client;
};

Pair make_pair(std::chrono::milliseconds timeout = 5000ms) {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  return Pair{util::Stream(util::Fd(sv[0]), timeout), util::Stream(util::Fd(sv[1]), timeout)};
}

struct Handshake {
  util::Result<util::TlsInfo> server;
  util::Result<util::TlsInfo> client;
};

Handshake run_handshake(Pair& pair, util::TlsContext& server_ctx, util::TlsContext& client_ctx,
                        const std::string& sni = "", const std::vector<std::string>& match = {}) {
  auto server =
      std::async(std::launch::async, [&] { return util::tls_accept(pair.server, server_ctx); });
  auto client = util::tls_connect(pair.client, client_ctx, sni, match);
  return Handshake{server.get(), std::move(client)};
}

std::unique_ptr<util::TlsContext> server_ctx(const util::TlsServerSettings& s) {
  auto ctx = util::TlsContext::server(s);
  INFO((ctx ? std::string() : ctx.error().message));
  REQUIRE(ctx);
  return std::move(*ctx);
}

std::unique_ptr<util::TlsContext> client_ctx(const util::TlsClientSettings& s = {}) {
  auto ctx = util::TlsContext::client(s);
  INFO((ctx ? std::string() : ctx.error().message));
  REQUIRE(ctx);
  return std::move(*ctx);
}

util::TlsServerSettings srv(const test::CertFiles& c) {
  util::TlsServerSettings s;
  s.cert_file = c.cert;
  s.key_file = c.key;
  return s;
}

util::TlsClientSettings cli(const std::string& ca_file = "") {
  util::TlsClientSettings s;
  s.ca_file = ca_file;
  return s;
}

}  // namespace

TEST_CASE("TLS server and client handshake and carry lines both ways", "[tls]") {
  test::TempDir dir;
  auto ca = test::make_ca(dir, "ca");
  auto cert = test::make_cert(dir, "server", ca, "mx.example.test", {"mx.example.test"});
  auto sctx = server_ctx(srv(cert));
  auto cctx = client_ctx(cli(ca.cert));
  auto pair = make_pair();
  auto hs = run_handshake(pair, *sctx, *cctx, "mx.example.test", {"mx.example.test"});
  REQUIRE(hs.server);
  REQUIRE(hs.client);
  CHECK(hs.server->protocol == "TLSv1.3");
  CHECK(hs.server->cipher == "TLS_AES_256_GCM_SHA384");
  CHECK(hs.server->cipher_bits == 256);
  CHECK(hs.server->cipher_alg_bits == 256);
  CHECK(hs.server->kex == "X25519");
  CHECK_FALSE(hs.server->peer_cert);
  CHECK(util::tls_describe(*hs.server) ==
        "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
        "server-signature RSA-PSS (2048 bits) server-digest SHA256");
  CHECK(hs.client->peer_cert);
  CHECK(hs.client->peer_cn == "mx.example.test");
  CHECK(hs.client->peer_issuer_cn == "Postern Test CA");
  CHECK(hs.client->trusted);
  CHECK(hs.client->verified);

  // Application data goes through the transports the handshake installed.
  REQUIRE(pair.client.write("EHLO client.example.org\r\n"));
  REQUIRE(pair.client.flush());
  auto line = pair.server.read_line(1000);
  REQUIRE(line);
  CHECK(line->text == "EHLO client.example.org\r");
  std::string big(100000, 'x');
  auto writer = std::async(std::launch::async, [&] {
    auto w = pair.server.write(big + "\n");
    return w ? pair.server.flush() : w;
  });
  auto got = pair.client.read_line(200000);
  REQUIRE(writer.get());
  REQUIRE(got);
  CHECK(got->text.size() == big.size());
}

TEST_CASE("TLS client trust and name checks", "[tls]") {
  test::TempDir dir;
  auto ca = test::make_ca(dir, "ca");
  auto other_ca = test::make_ca(dir, "other", "Other CA");
  auto wild = test::make_cert(dir, "wild", ca, "example.test", {"*.example.test"});
  auto sctx = server_ctx(srv(wild));

  SECTION("trusted and verified with a wildcard name") {
    auto cctx = client_ctx(cli(ca.cert));
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx, "mx.example.test", {"mx.example.test"});
    REQUIRE(hs.client);
    CHECK(hs.client->trusted);
    CHECK(hs.client->verified);
  }
  SECTION("trusted but the name does not match") {
    auto cctx = client_ctx(cli(ca.cert));
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx, "a.b.example.test", {"a.b.example.test"});
    REQUIRE(hs.client);
    CHECK(hs.client->trusted);
    CHECK_FALSE(hs.client->verified);
  }
  SECTION("untrusted with another CA") {
    auto cctx = client_ctx(cli(other_ca.cert));
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx, "mx.example.test", {"mx.example.test"});
    REQUIRE(hs.client);
    CHECK(hs.client->peer_cert);
    CHECK_FALSE(hs.client->trusted);
    CHECK_FALSE(hs.client->verified);
  }
}

TEST_CASE("TLS server asks for a client certificate and reports trust", "[tls]") {
  test::TempDir dir;
  auto ca = test::make_ca(dir, "ca");
  auto server = test::make_cert(dir, "server", ca, "mx.example.test", {"mx.example.test"});
  auto client = test::make_cert(dir, "client", ca, "client.example.org");
  auto self = test::make_self_signed(dir, "self", "self.example.org");
  auto sctx = server_ctx({.cert_file = server.cert,
                          .key_file = server.key,
                          .ca_file = ca.cert,
                          .ask_client_cert = true});

  SECTION("a certificate from the CA is trusted") {
    auto cctx = client_ctx({.ca_file = ca.cert, .cert_file = client.cert, .key_file = client.key});
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    REQUIRE(hs.server);
    CHECK(hs.server->peer_cert);
    CHECK(hs.server->trusted);
    CHECK(hs.server->peer_cn == "client.example.org");
    CHECK(hs.server->peer_issuer_cn == "Postern Test CA");
    CHECK(util::tls_describe(*hs.server) ==
          "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
          "server-signature RSA-PSS (2048 bits) server-digest SHA256 "
          "client-signature RSA-PSS (2048 bits) client-digest SHA256");
  }
  SECTION("a self-signed certificate is not") {
    auto cctx = client_ctx({.cert_file = self.cert, .key_file = self.key});
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    REQUIRE(hs.server);
    CHECK(hs.server->peer_cert);
    CHECK_FALSE(hs.server->trusted);
    CHECK(hs.server->peer_cn == "self.example.org");
    CHECK(hs.server->peer_issuer_cn == "self.example.org");
  }
  SECTION("no certificate at all") {
    auto cctx = client_ctx();
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    REQUIRE(hs.server);
    CHECK_FALSE(hs.server->peer_cert);
    CHECK_FALSE(hs.server->trusted);
  }
}

TEST_CASE("TLS protocol settings in Postfix syntax limit the handshake", "[tls]") {
  test::TempDir dir;
  auto cert = test::make_self_signed(dir, "server", "mx.example.test");
  SECTION("server allows only TLSv1.2") {
    auto sctx =
        server_ctx({.cert_file = cert.cert, .key_file = cert.key, .protocols = "<=TLSv1.2"});
    auto cctx = client_ctx({.protocols = ">=TLSv1.2"});
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    REQUIRE(hs.server);
    CHECK(hs.server->protocol == "TLSv1.2");
    CHECK(hs.server->cipher == "ECDHE-RSA-AES256-GCM-SHA384");
    // Postfix 3.7 logs no key-exchange details for TLSv1.2.
    CHECK(util::tls_describe(*hs.server) ==
          "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
  }
  SECTION("no common protocol fails the handshake on both sides") {
    auto sctx = server_ctx({.cert_file = cert.cert, .key_file = cert.key, .protocols = "!TLSv1.3"});
    auto cctx = client_ctx({.protocols = "TLSv1.3"});
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    CHECK_FALSE(hs.server);
    CHECK_FALSE(hs.client);
  }
  SECTION("a high-grade cipher list is applied for TLSv1.2") {
    auto sctx = server_ctx({.cert_file = cert.cert,
                            .key_file = cert.key,
                            .protocols = "TLSv1.2",
                            .ciphers = "aNULL:-aNULL:HIGH:@STRENGTH:!AES256"});
    auto cctx = client_ctx();
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx);
    REQUIRE(hs.server);
    CHECK(hs.server->protocol == "TLSv1.2");
    CHECK(hs.server->cipher.find("AES256") == std::string::npos);
  }
}

TEST_CASE("tls_parse_protocols reads Postfix's protocol syntax", "[tls]") {
  auto r = util::tls_parse_protocols(">=TLSv1.2");
  REQUIRE(r);
  CHECK(r->min_version == TLS1_2_VERSION);
  CHECK(r->max_version == 0);
  r = util::tls_parse_protocols("!SSLv2, !SSLv3, !TLSv1");
  REQUIRE(r);
  CHECK(r->min_version == TLS1_1_VERSION);
  CHECK(r->max_version == 0);
  r = util::tls_parse_protocols("TLSv1.2 TLSv1.3");
  REQUIRE(r);
  CHECK(r->min_version == TLS1_2_VERSION);
  r = util::tls_parse_protocols("TLSv1:TLSv1.2");
  REQUIRE(r);
  CHECK(r->min_version == TLS1_VERSION);
  CHECK(r->max_version == TLS1_2_VERSION);
  CHECK(r->disabled_options == SSL_OP_NO_TLSv1_1);
  r = util::tls_parse_protocols(">=TLSv1");
  REQUIRE(r);
  CHECK(r->min_version == TLS1_VERSION);
  r = util::tls_parse_protocols("");
  REQUIRE(r);
  CHECK(r->min_version == 0);
  CHECK(r->max_version == 0);
  CHECK_FALSE(util::tls_parse_protocols("TLSv9"));
  CHECK_FALSE(util::tls_parse_protocols("!TLSv1.2 !TLSv1.3 <=TLSv1.1 >=TLSv1.2"));
}

TEST_CASE("tls_name_matches follows the wildcard and subdomain rules", "[tls]") {
  CHECK(util::tls_name_matches("mx.example.com", "MX.Example.COM"));
  CHECK(util::tls_name_matches("*.example.com", "mx.example.com"));
  CHECK_FALSE(util::tls_name_matches("*.example.com", "a.mx.example.com"));
  CHECK_FALSE(util::tls_name_matches("*.example.com", "example.com"));
  CHECK(util::tls_name_matches("a.mx.example.com", ".example.com"));
  CHECK_FALSE(util::tls_name_matches("example.com", ".example.com"));
  CHECK_FALSE(util::tls_name_matches("mx.example.org", "mx.example.com"));
}

TEST_CASE("TLS contexts name the file they cannot load", "[tls]") {
  test::TempDir dir;
  auto cert = test::make_self_signed(dir, "server", "mx.example.test");
  auto other = test::make_self_signed(dir, "other", "other.example.test");
  auto r = util::TlsContext::server({.cert_file = dir.file("missing.pem")});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind(
            "cannot get RSA certificate from file \"" + dir.file("missing.pem") + "\"\n", 0) == 0);
  CHECK(r.error().message.find("TLS library problem: error:") != std::string::npos);
  r = util::TlsContext::server({.cert_file = cert.cert, .key_file = dir.file("nokey.pem")});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind(
            "cannot get RSA private key from file \"" + dir.file("nokey.pem") + "\"", 0) == 0);
  r = util::TlsContext::server({.cert_file = cert.cert, .key_file = other.key});
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().message.rfind(
            "RSA private key in " + other.key + " does not match public key in " + cert.cert, 0) ==
        0);
  r = util::TlsContext::server({.chain_files = {cert.cert}});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind(
            "cannot load private key and certificate chain from file \"" + cert.cert + "\"", 0) ==
        0);
  auto cr = util::TlsContext::client({.ca_file = dir.file("noca.pem")});
  REQUIRE_FALSE(cr);
  CHECK(cr.error().message.find(dir.file("noca.pem")) != std::string::npos);
}

TEST_CASE("TLS key in the cert file and smtpd_tls_chain_files both load", "[tls]") {
  test::TempDir dir;
  auto ca = test::make_ca(dir, "ca");
  auto cert = test::make_cert(dir, "server", ca, "mx.example.test", {"mx.example.test"});
  std::string combined = test::combined_pem(dir, "combined.pem", cert, {ca.cert});
  auto cctx = client_ctx(cli(ca.cert));
  for (auto settings : {util::TlsServerSettings{.cert_file = combined},
                        util::TlsServerSettings{.chain_files = {combined}}}) {
    auto sctx = server_ctx(settings);
    auto pair = make_pair();
    auto hs = run_handshake(pair, *sctx, *cctx, "mx.example.test", {"mx.example.test"});
    REQUIRE(hs.client);
    CHECK(hs.client->verified);
  }
}

TEST_CASE("TLS handshake refuses plaintext buffered behind STARTTLS", "[tls]") {
  test::TempDir dir;
  auto cert = test::make_self_signed(dir, "server", "mx.example.test");
  auto sctx = server_ctx(srv(cert));
  auto pair = make_pair();
  REQUIRE(pair.client.write("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n"));
  REQUIRE(pair.client.flush());
  auto line = pair.server.read_line(1000);
  REQUIRE(line);
  CHECK(line->text == "STARTTLS\r");
  REQUIRE(pair.server.buffered() > 0);
  auto r = util::tls_accept(pair.server, *sctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == util::ErrorKind::kMalformed);
}

TEST_CASE("TLS handshakes end at their deadline and on a lost connection", "[tls]") {
  test::TempDir dir;
  auto cert = test::make_self_signed(dir, "server", "mx.example.test");
  auto sctx = server_ctx(srv(cert));
  SECTION("a silent client times out") {
    auto pair = make_pair(300ms);
    auto start = std::chrono::steady_clock::now();
    auto r = util::tls_accept(pair.server, *sctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == util::ErrorKind::kTimeout);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  SECTION("a client that hangs up is a lost connection") {
    auto pair = make_pair();
    { auto gone = std::move(pair.client); }
    auto r = util::tls_accept(pair.server, *sctx);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == util::ErrorKind::kEof);
  }
  SECTION("a client that sends garbage fails the handshake") {
    auto pair = make_pair();
    REQUIRE(pair.client.write("MAIL FROM:<a@example.org>\r\n"));
    REQUIRE(pair.client.flush());
    auto r = util::tls_accept(pair.server, *sctx);
    REQUIRE_FALSE(r);
  }
}
