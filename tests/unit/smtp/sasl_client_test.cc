// smtp::SaslClient against REAL Cyrus libsasl2 on both ends: the server is
// libsasl2's server API with a sasldb made by saslpasswd2, speaking SMTP
// AUTH in a thread over a socketpair; the password table is read the way
// the seed recipe writes it ("[smtp.myprovider.com]:587 user:password").
#include "smtp/sasl_client.h"

#include <sasl/sasl.h>
#include <sasl/saslutil.h>
#include <sys/socket.h>

#include <catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "libconf/config.h"
#include "libutil/stream.h"
#include "tests/support/log_capture.h"
#include "tests/support/process.h"
#include "tests/support/sasldb_maker.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

std::string g_server_conf_path;

int server_conf_path(void*, char** path) {
  *path = ::strdup(g_server_conf_path.c_str());
  return SASL_OK;
}

using Proc = int (*)(void);
template <class F>
Proc proc(F* f) {
  return reinterpret_cast<Proc>(reinterpret_cast<void (*)()>(f));
}

sasl_callback_t g_server_callbacks[] = {
    {SASL_CB_GETCONFPATH, nullptr, nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr},
};

std::string b64(std::string_view raw) {
  std::string out(raw.size() * 2 + 8, '\0');
  unsigned len = 0;
  sasl_encode64(raw.data(), static_cast<unsigned>(raw.size()), out.data(),
                static_cast<unsigned>(out.size()), &len);
  out.resize(len);
  return out;
}

std::string unb64(std::string_view text) {
  std::string out(text.size() + 4, '\0');
  unsigned len = 0;
  if (sasl_decode64(text.data(), static_cast<unsigned>(text.size()), out.data(),
                    static_cast<unsigned>(out.size()), &len) != SASL_OK) {
    return "<bad base64>";
  }
  out.resize(len);
  return out;
}

// A minimal SMTP AUTH server on libsasl2's server API: one AUTH command,
// 334 challenges, then 235 or 535 with libsasl2's reason, as Postfix's
// smtpd answers.
class AuthServer {
 public:
  explicit AuthServer(const std::string& conf_dir) {
    g_server_conf_path = conf_dir;
    g_server_callbacks[0].proc = proc(&server_conf_path);
    static bool done = false;
    if (done) sasl_server_done();
    REQUIRE(sasl_server_init(g_server_callbacks, "smtpd") == SASL_OK);
    done = true;
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    client_ = std::make_unique<util::Stream>(util::Fd(sv[0]), 5s);
    thread_ = std::thread([this, fd = sv[1]] { serve(util::Stream(util::Fd(fd), 5s)); });
  }
  ~AuthServer() { finish(); }
  // Close the client end and wait for the server thread; seen/username are
  // stable afterwards.
  void finish() {
    if (!thread_.joinable()) return;
    ::shutdown(client_->fd(), SHUT_RDWR);
    thread_.join();
  }

  // The callbacks the smtp agent would hand over.
  smtp::SaslSendLine sender() {
    return [this](std::string_view line) -> util::Result<void> {
      if (auto r = client_->write(std::string(line) + "\r\n"); !r) return r;
      return client_->flush();
    };
  }
  smtp::SaslReadReply reader() {
    return [this]() -> util::Result<smtp::SaslServerReply> {
      smtp::SaslServerReply reply;
      for (;;) {
        auto line = client_->read_line(4096);
        if (!line) return std::unexpected(line.error());
        std::string text = line->text;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.size() < 3) return util::fail("malformed reply");
        reply.code = std::atoi(text.substr(0, 3).c_str());
        reply.lines.push_back(text.size() > 4 ? text.substr(4) : "");
        if (text.size() < 4 || text[3] != '-') return reply;
      }
    };
  }

  // What the server saw, decoded: "AUTH PLAIN" then each decoded response.
  std::vector<std::string> seen;
  std::string username;

 private:
  void serve(util::Stream s) {
    auto line = s.read_line(4096);
    if (!line) return;
    std::string text = line->text;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    std::string mech = text.substr(
        5, text.find(' ', 5) == std::string::npos ? std::string::npos : text.find(' ', 5) - 5);
    std::string initial =
        text.find(' ', 5) == std::string::npos ? "" : unb64(text.substr(text.find(' ', 5) + 1));
    seen.push_back("AUTH " + mech);
    if (!initial.empty()) seen.push_back(initial);
    sasl_conn_t* conn = nullptr;
    REQUIRE(sasl_server_new("smtp", nullptr, nullptr, nullptr, nullptr, nullptr, 0, &conn) ==
            SASL_OK);
    const char* out = nullptr;
    unsigned out_len = 0;
    int status = sasl_server_start(conn, mech.c_str(), initial.empty() ? nullptr : initial.data(),
                                   static_cast<unsigned>(initial.size()), &out, &out_len);
    while (status == SASL_CONTINUE) {
      (void)s.write("334 " + b64(std::string_view(out ? out : "", out_len)) + "\r\n");
      (void)s.flush();
      auto response = s.read_line(4096);
      if (!response) break;
      std::string r = response->text;
      if (!r.empty() && r.back() == '\r') r.pop_back();
      if (r == "*") {
        (void)s.write("501 5.7.0 Authentication aborted\r\n");
        (void)s.flush();
        status = SASL_BADPROT;
        break;
      }
      std::string decoded = unb64(r);
      seen.push_back(decoded);
      status = sasl_server_step(conn, decoded.data(), static_cast<unsigned>(decoded.size()), &out,
                                &out_len);
    }
    if (status == SASL_OK) {
      const void* user = nullptr;
      sasl_getprop(conn, SASL_USERNAME, &user);
      username = user ? static_cast<const char*>(user) : "";
      (void)s.write("235 2.7.0 Authentication successful\r\n");
    } else if (status != SASL_BADPROT) {
      if (status == SASL_NOUSER) status = SASL_BADAUTH;
      (void)s.write(std::string("535 5.7.8 Error: authentication failed: ") +
                    sasl_errstring(status, nullptr, nullptr) + "\r\n");
    }
    (void)s.flush();
    sasl_dispose(&conn);
  }

  std::unique_ptr<util::Stream> client_;
  std::thread thread_;
};

struct Fixture {
  test::TempDir dir;
  test::SasldbMaker sasldb{dir.path()};
  conf::Config config;

  Fixture() {
    REQUIRE(sasldb.add_user("neil", "mydomain.com", "mypassword"));
    sasldb.write_conf("smtpd", "PLAIN LOGIN CRAM-MD5");
    dir.write("sasl_passwd", "[smtp.myprovider.com]:587 neil@mydomain.com:mypassword\n", 0600);
    config.set_override("smtp_sasl_auth_enable", "yes");
    config.set_override("smtp_sasl_password_maps", "texthash:" + dir.file("sasl_passwd"));
    config.set_override("smtp_sasl_security_options", "noanonymous");
  }
  std::unique_ptr<smtp::SaslClient> client() {
    auto c = smtp::SaslClient::create(config);
    REQUIRE(c);
    return std::move(*c);
  }
};

smtp::SaslPeer provider(const std::string& mechanisms = "PLAIN LOGIN") {
  smtp::SaslPeer peer;
  peer.host = "smtp.myprovider.com";
  peer.nexthop = "[smtp.myprovider.com]:587";
  peer.namaddr = "smtp.myprovider.com[127.0.0.1]";
  peer.addr = "127.0.0.1";
  peer.port = "587";
  peer.auth_mechanisms = mechanisms;
  peer.tls_active = true;
  return peer;
}

bool have_saslpasswd2() {
  return !test::skip_without("/usr/sbin/saslpasswd2", "sasldb tests need saslpasswd2 (sasl2-bin)");
}

}  // namespace

TEST_CASE("smtp SASL client logs in to a libsasl2 server with the seed's sasl_passwd entry",
          "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto client = f.client();
  REQUIRE(client->enabled());
  AuthServer server(f.dir.path());
  test::LogCapture log;
  auto outcome = client->login(provider(), "sender@mydomain.com", server.sender(), server.reader());
  server.finish();
  CHECK(outcome.status == smtp::SaslStatus::kOk);
  CHECK(outcome.mechanism == "PLAIN");
  REQUIRE(outcome.reply);
  CHECK(outcome.reply->text() == "235 2.7.0 Authentication successful");
  CHECK(server.username == "neil@mydomain.com");
  REQUIRE(server.seen.size() == 2);
  CHECK(server.seen[0] == "AUTH PLAIN");
  // send_cyrus_sasl_authzid = no: an empty authorization id.
  CHECK(server.seen[1] == std::string("\0neil@mydomain.com\0mypassword", 29));
  for (const auto& line : log.lines()) CHECK(line.find("mypassword") == std::string::npos);
}

TEST_CASE("smtp SASL client answers LOGIN's 334 challenges", "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto client = f.client();
  AuthServer server(f.dir.path());
  auto outcome = client->login(provider("LOGIN"), "", server.sender(), server.reader());
  server.finish();
  CHECK(outcome.status == smtp::SaslStatus::kOk);
  CHECK(outcome.mechanism == "LOGIN");
  CHECK(server.username == "neil@mydomain.com");
  CHECK(server.seen.back() == "mypassword");
}

TEST_CASE(
    "smtp SASL client: a wrong password defers with the server's 535 unless soft bounce is off",
    "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  f.dir.write("sasl_passwd", "[smtp.myprovider.com]:587 neil@mydomain.com:wrongpass\n", 0600);
  SECTION("smtp_sasl_auth_soft_bounce = yes (default): 4.7.8") {
    auto client = f.client();
    AuthServer server(f.dir.path());
    test::LogCapture log;
    auto outcome = client->login(provider(), "", server.sender(), server.reader());
    CHECK(outcome.status == smtp::SaslStatus::kTempFail);
    CHECK(outcome.dsn == "4.7.8");
    CHECK(outcome.reason ==
          "SASL authentication failed; server smtp.myprovider.com[127.0.0.1] said: 535 5.7.8 "
          "Error: authentication failed: authentication failure");
    CHECK(outcome.reason.find("wrongpass") == std::string::npos);
    for (const auto& line : log.lines()) CHECK(line.find("wrongpass") == std::string::npos);
  }
  SECTION("a namaddr with the port still gives Postfix's text without it") {
    auto client = f.client();
    AuthServer server(f.dir.path());
    auto peer = provider();
    peer.namaddr = "smtp.myprovider.com[127.0.0.1]:587";
    auto outcome = client->login(peer, "", server.sender(), server.reader());
    CHECK(outcome.reason.starts_with(
        "SASL authentication failed; server smtp.myprovider.com[127.0.0.1] said: 535 "));
  }
  SECTION("smtp_sasl_auth_soft_bounce = no: a bounce with 5.7.8") {
    f.config.set_override("smtp_sasl_auth_soft_bounce", "no");
    auto client = f.client();
    AuthServer server(f.dir.path());
    auto outcome = client->login(provider(), "", server.sender(), server.reader());
    CHECK(outcome.status == smtp::SaslStatus::kPermFail);
    CHECK(outcome.dsn == "5.7.8");
  }
}

TEST_CASE("smtp SASL client: the default security options refuse plaintext mechanisms",
          "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  f.config.set_override("smtp_sasl_security_options", "noplaintext, noanonymous");
  auto client = f.client();
  bool sent = false;
  auto send = [&](std::string_view) -> util::Result<void> {
    sent = true;
    return {};
  };
  auto read = []() -> util::Result<smtp::SaslServerReply> { return util::fail("not reached"); };
  test::LogCapture log;
  auto outcome = client->login(provider(), "", send, read);
  CHECK(log.contains("warning: SASL authentication failure: No worthy mechs found"));
  CHECK(outcome.status == smtp::SaslStatus::kTempFail);
  CHECK(outcome.dsn == "4.7.0");
  CHECK(outcome.reason ==
        "SASL authentication failed; cannot authenticate to server "
        "smtp.myprovider.com[127.0.0.1]: no mechanism available");
  CHECK_FALSE(sent);  // nothing went out

  SECTION("smtp_sasl_tls_security_options applies once TLS is on") {
    f.config.set_override("smtp_sasl_tls_security_options", "noanonymous");
    auto tls_client = f.client();
    AuthServer server(f.dir.path());
    auto ok = tls_client->login(provider(), "", server.sender(), server.reader());
    CHECK(ok.status == smtp::SaslStatus::kOk);
  }
}

TEST_CASE("smtp SASL client finds the password as Postfix: sender, host, then next hop",
          "[smtp][sasl]") {
  test::TempDir dir;
  dir.write("passwd",
            "alice@example.org a-sender:1\n"
            "@example.org a-domain:2\n"
            "smtp.myprovider.com a-host:3\n"
            "[smtp.myprovider.com]:587 a-nexthop:4\n"
            "[other.example]:587 nocolon\n",
            0600);
  conf::Config config;
  config.set_override("smtp_sasl_auth_enable", "yes");
  config.set_override("smtp_sasl_password_maps", "texthash:" + dir.file("passwd"));
  auto peer = provider();
  SECTION("without smtp_sender_dependent_authentication the sender is ignored") {
    auto client = smtp::SaslClient::create(config);
    REQUIRE(client);
    auto creds = (*client)->find_credentials(peer, "alice@example.org");
    REQUIRE(creds);
    REQUIRE(creds->has_value());
    CHECK((*creds)->username == "a-host");
    CHECK((*creds)->password == "3");
    peer.host = "mx1.myprovider.com";
    creds = (*client)->find_credentials(peer, "alice@example.org");
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "a-nexthop");
    peer.nexthop = "[other.example]:587";
    creds = (*client)->find_credentials(peer, "");
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "nocolon");
    CHECK((*creds)->password == "");
    peer.nexthop = "[nowhere.example]:25";
    creds = (*client)->find_credentials(peer, "");
    REQUIRE(creds);
    CHECK_FALSE(creds->has_value());
  }
  SECTION("with it: the address, its extension removed, then @domain, before the host") {
    config.set_override("smtp_sender_dependent_authentication", "yes");
    config.set_override("recipient_delimiter", "+");
    auto client = smtp::SaslClient::create(config);
    REQUIRE(client);
    auto creds = (*client)->find_credentials(peer, "Alice@Example.org");
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "a-sender");
    creds = (*client)->find_credentials(peer, "alice+list@example.org");
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "a-sender");
    creds = (*client)->find_credentials(peer, "bob@example.org");
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "a-domain");
    creds = (*client)->find_credentials(peer, "");  // <>: no sender lookup
    REQUIRE((creds && creds->has_value()));
    CHECK((*creds)->username == "a-host");
  }
}

TEST_CASE("smtp SASL client reads a hash: table built by postmap", "[smtp][sasl]") {
  if (test::skip_without("/usr/sbin/postmap", "needs Debian's postmap to build the .db")) return;
  test::TempDir dir;
  std::string file =
      dir.write("sasl_passwd", "[smtp.myprovider.com]:587 neil@mydomain.com:mypassword\n", 0600);
  dir.write("main.cf", "");  // postmap -c needs a main.cf, empty is enough
  auto built = test::run({"/usr/sbin/postmap", "-c", dir.path(), "hash:" + file});
  REQUIRE(built.exit_status == 0);
  conf::Config config;
  config.set_override("smtp_sasl_auth_enable", "yes");
  config.set_override("smtp_sasl_password_maps", "hash:" + file);
  auto client = smtp::SaslClient::create(config);
  REQUIRE(client);
  auto creds = (*client)->find_credentials(provider(), "");
  REQUIRE((creds && creds->has_value()));
  CHECK((*creds)->username == "neil@mydomain.com");
  CHECK((*creds)->password == "mypassword");
}

TEST_CASE("smtp SASL client skips AUTH when there is nothing to do", "[smtp][sasl]") {
  test::TempDir dir;
  dir.write("passwd", "smtp.myprovider.com u:p\n");
  conf::Config config;
  auto send = [](std::string_view) -> util::Result<void> { return util::fail("no send"); };
  auto read = []() -> util::Result<smtp::SaslServerReply> { return util::fail("no read"); };

  auto off = smtp::SaslClient::create(config);
  REQUIRE(off);
  CHECK_FALSE((*off)->enabled());
  CHECK((*off)->login(provider(), "", send, read).status == smtp::SaslStatus::kSkipped);

  config.set_override("smtp_sasl_auth_enable", "yes");
  SECTION("no table is a configuration error") {
    auto none = smtp::SaslClient::create(config);
    REQUIRE_FALSE(none);
    CHECK(none.error().message ==
          "specify a password table via the `smtp_sasl_password_maps' configuration parameter");
  }
  config.set_override("smtp_sasl_password_maps", "texthash:" + dir.file("passwd"));
  config.set_override("smtp_sasl_security_options", "noanonymous");
  SECTION("the server offers no AUTH, or we have no password for it") {
    auto client = smtp::SaslClient::create(config);
    REQUIRE(client);
    CHECK((*client)->login(provider(""), "", send, read).status == smtp::SaslStatus::kSkipped);
    auto peer = provider();
    peer.host = "elsewhere.example";
    peer.nexthop = "elsewhere.example";
    CHECK((*client)->login(peer, "", send, read).status == smtp::SaslStatus::kSkipped);
  }
  SECTION("smtp_sasl_mechanism_filter leaves nothing: a warning, then no AUTH") {
    config.set_override("smtp_sasl_mechanism_filter", "cram-md5");
    auto client = smtp::SaslClient::create(config);
    REQUIRE(client);
    CHECK((*client)->filter_mechanisms("PLAIN LOGIN CRAM-MD5") == "CRAM-MD5");
    test::LogCapture log;
    CHECK((*client)->login(provider(), "", send, read).status == smtp::SaslStatus::kSkipped);
    CHECK(
        log.contains("warning: smtp.myprovider.com[127.0.0.1] offered no supported AUTH "
                     "mechanisms: 'PLAIN LOGIN'"));
  }
  SECTION("a table that cannot be read defers") {
    config.set_override("smtp_sasl_password_maps", "fail:sasl");
    auto client = smtp::SaslClient::create(config);
    REQUIRE(client);
    test::LogCapture log;
    auto outcome = (*client)->login(provider(), "", send, read);
    CHECK(outcome.status == smtp::SaslStatus::kTempFail);
    CHECK(outcome.dsn == "4.3.0");
    CHECK(outcome.reason == "local data error while talking to smtp.myprovider.com[127.0.0.1]");
  }
}

TEST_CASE("smtp SASL client: the connection failing is an I/O error for the caller",
          "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto client = f.client();
  auto send = [](std::string_view) -> util::Result<void> { return {}; };
  auto read = []() -> util::Result<smtp::SaslServerReply> {
    return util::fail_kind(util::ErrorKind::kEof, "lost connection");
  };
  auto outcome = client->login(provider(), "", send, read);
  CHECK(outcome.status == smtp::SaslStatus::kIoError);
  CHECK(outcome.io_error.kind == util::ErrorKind::kEof);
}

TEST_CASE("smtp SASL client reads AUTH mechanisms from EHLO lines", "[smtp][sasl]") {
  CHECK(smtp::auth_mechanisms_from_ehlo({"mx.example", "PIPELINING", "AUTH PLAIN LOGIN",
                                         "AUTH=PLAIN LOGIN", "8BITMIME"}) == "PLAIN LOGIN");
  CHECK(smtp::auth_mechanisms_from_ehlo({"mx.example", "AUTH=LOGIN"}) == "LOGIN");
  CHECK(smtp::auth_mechanisms_from_ehlo({"mx.example", "AUTHX FOO", "SIZE 10"}) == "");
}

TEST_CASE("smtp SASL client: lmtp reads the lmtp_ parameters, a verified TLS peer its own options",
          "[smtp][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  SECTION("lmtp_sasl_* for the lmtp agent") {
    conf::Config lmtp;
    lmtp.set_override("lmtp_sasl_auth_enable", "yes");
    lmtp.set_override("lmtp_sasl_password_maps", "texthash:" + f.dir.file("sasl_passwd"));
    lmtp.set_override("lmtp_sasl_security_options", "noanonymous");
    auto smtp_side = smtp::SaslClient::create(lmtp, "smtp");
    REQUIRE(smtp_side);
    CHECK_FALSE((*smtp_side)->enabled());
    auto client = smtp::SaslClient::create(lmtp, "lmtp");
    REQUIRE(client);
    REQUIRE((*client)->enabled());
    AuthServer server(f.dir.path());
    auto outcome = (*client)->login(provider(), "", server.sender(), server.reader());
    CHECK(outcome.status == smtp::SaslStatus::kOk);
  }
  SECTION("smtp_sasl_tls_verified_security_options when the certificate was verified") {
    f.config.set_override("smtp_sasl_tls_security_options", "noanonymous");
    f.config.set_override("smtp_sasl_tls_verified_security_options", "noplaintext");
    auto client = f.client();
    auto peer = provider();
    peer.tls_verified = true;
    auto send = [](std::string_view) -> util::Result<void> { return {}; };
    auto read = []() -> util::Result<smtp::SaslServerReply> { return util::fail("not reached"); };
    auto refused = client->login(peer, "", send, read);
    CHECK(refused.status == smtp::SaslStatus::kTempFail);
    CHECK(refused.reason.ends_with(": no mechanism available"));
    peer.tls_verified = false;  // plain TLS: smtp_sasl_tls_security_options allow PLAIN
    AuthServer server(f.dir.path());
    CHECK(client->login(peer, "", server.sender(), server.reader()).status ==
          smtp::SaslStatus::kOk);
  }
}
