// smtpd::SaslServer against REAL Cyrus libsasl2: a sasldb made by
// saslpasswd2 in a TempDir, replies and log lines as Postfix 3.7 gives them
// (observed on Debian's Postfix 3.7.11 with the same sasldb and smtpd.conf).
#include "smtpd/sasl_server.h"

#include <poll.h>
#include <sasl/sasl.h>
#include <sasl/saslutil.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "libconf/config.h"
#include "libutil/stream.h"
#include "tests/support/log_capture.h"
#include "tests/support/process.h"
#include "tests/support/sasldb_maker.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

struct Fixture {
  test::TempDir dir;
  test::SasldbMaker sasldb{dir.path()};
  conf::Config config;

  explicit Fixture(const std::string& mech_list = "PLAIN LOGIN") {
    REQUIRE(sasldb.add_user("alice", "example.test", "secret"));
    sasldb.write_conf("smtpd", mech_list);
    config.set_override("smtpd_sasl_auth_enable", "yes");
    config.set_override("cyrus_sasl_config_path", dir.path());
  }

  std::unique_ptr<smtpd::SaslServer> server() {
    auto s = smtpd::SaslServer::create(config);
    REQUIRE(s);
    return std::move(*s);
  }
};

// The server's stream on one end of a socketpair, the client's raw fd on
// the other. Client lines are written ahead (pipelined), so a scripted
// exchange needs no thread.
struct Wire {
  util::Fd client;
  std::unique_ptr<util::Stream> stream;

  Wire() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    client = util::Fd(sv[0]);
    stream = std::make_unique<util::Stream>(util::Fd(sv[1]), 5s);
  }
  void send(const std::string& text) {
    REQUIRE(::write(client.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  // What the server wrote so far (waits briefly for it).
  std::string received() {
    std::string out;
    char buf[4096];
    pollfd p{client.get(), POLLIN, 0};
    while (::poll(&p, 1, 200) > 0) {
      ssize_t n = ::read(client.get(), buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

smtpd::Session session_from_localhost() {
  smtpd::Session s;
  s.client.name = "localhost";
  s.client.addr = "127.0.0.1";
  s.client.port = "41234";
  s.client.server_addr = "127.0.0.1";
  s.client.server_port = "25";
  s.helo_name = "client.example";
  s.esmtp = true;
  return s;
}

std::string b64(const std::string& raw) {
  std::string out(raw.size() * 2 + 8, '\0');
  unsigned len = 0;
  REQUIRE(sasl_encode64(raw.data(), static_cast<unsigned>(raw.size()), out.data(),
                        static_cast<unsigned>(out.size()), &len) == SASL_OK);
  out.resize(len);
  return out;
}

std::string plain(const std::string& user, const std::string& password) {
  return b64(std::string("\0", 1) + user + std::string("\0", 1) + password);
}

bool have_saslpasswd2() {
  return !test::skip_without("/usr/sbin/saslpasswd2", "sasldb tests need saslpasswd2 (sasl2-bin)");
}

}  // namespace

TEST_CASE("smtpd AUTH PLAIN with a sasldb made by saslpasswd2 succeeds and names the user",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  REQUIRE(server->enabled());
  Wire w;
  auto session = session_from_localhost();
  auto reply =
      server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"));
  CHECK(reply.line() == "235 2.7.0 Authentication successful");
  CHECK(session.sasl_username == "alice@example.test");
  CHECK(session.sasl_method == "PLAIN");
  CHECK(session.protocol() == "ESMTPA");
  CHECK(w.received().empty());  // the engine sends the final reply

  SECTION("a second AUTH is refused") {
    auto again =
        server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"));
    CHECK(again.line() == "503 5.5.1 Error: already authenticated");
  }
}

TEST_CASE("smtpd AUTH LOGIN sends the Username: and Password: challenges in base64",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  w.send(b64("alice@example.test") + "\r\n" + b64("secret") + "\r\n");
  auto reply = server->run_auth(*w.stream, session, "LOGIN");
  CHECK(w.received() == "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n");
  CHECK(reply.line() == "235 2.7.0 Authentication successful");
  CHECK(session.sasl_username == "alice@example.test");
  CHECK(session.sasl_method == "LOGIN");
}

TEST_CASE("smtpd AUTH LOGIN takes the user name as initial response", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  w.send(b64("secret") + "\r\n");
  auto reply = server->run_auth(*w.stream, session, "LOGIN " + b64("alice@example.test"));
  CHECK(w.received() == "334 UGFzc3dvcmQ6\r\n");
  CHECK(reply.line() == "235 2.7.0 Authentication successful");
}

TEST_CASE("smtpd AUTH with a wrong password is 535 and logs Postfix's two warnings",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  test::LogCapture log;
  auto reply =
      server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "wrong"));
  CHECK(reply.line() == "535 5.7.8 Error: authentication failed: authentication failure");
  CHECK(session.sasl_username.empty());
  CHECK(log.contains("warning: SASL authentication failure: Password verification failed"));
  CHECK(log.contains(
      "warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: authentication failure, "
      "sasl_username=alice@example.test"));
  for (const auto& line : log.lines()) CHECK(line.find("wrong") == std::string::npos);

  SECTION("and the next attempt in the same session may succeed") {
    auto ok =
        server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"));
    CHECK(ok.line() == "235 2.7.0 Authentication successful");
  }
}

TEST_CASE("smtpd AUTH with an unknown user or mechanism fails as Postfix's", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  test::LogCapture log;
  auto foo = server->run_auth(*w.stream, session, "FOO");
  CHECK(foo.line() == "535 5.7.8 Error: authentication failed: no mechanism available");
  CHECK(log.contains("warning: SASL authentication failure: Couldn't find mech FOO"));
  CHECK(
      log.contains("warning: localhost[127.0.0.1]: SASL FOO authentication failed: no mechanism "
                   "available, sasl_username=(unavailable)"));
  // ANONYMOUS is not in mech_list (and noanonymous forbids it anyway).
  auto anon = server->run_auth(*w.stream, session, "ANONYMOUS " + b64("x"));
  CHECK(anon.line() == "535 5.7.8 Error: authentication failed: no mechanism available");
  auto bob = server->run_auth(*w.stream, session, "PLAIN " + plain("bob@example.test", "secret"));
  CHECK(bob.line() == "535 5.7.8 Error: authentication failed: authentication failure");
  // As Postfix 3.7.11 logs for an unknown user too.
  CHECK(log.contains("warning: SASL authentication failure: Password verification failed"));
  CHECK(
      log.contains("SASL PLAIN authentication failed: authentication failure, "
                   "sasl_username=bob@example.test"));
}

TEST_CASE("smtpd AUTH: smtpd_sasl_local_domain is the realm of bare user names", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  Wire w;
  SECTION("without it a bare name is not found") {
    auto server = f.server();
    auto session = session_from_localhost();
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice", "secret")).code == 535);
  }
  SECTION("with it the bare name logs in") {
    f.config.set_override("smtpd_sasl_local_domain", "example.test");
    auto server = f.server();
    auto session = session_from_localhost();
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice", "secret")).line() ==
          "235 2.7.0 Authentication successful");
    // libsasl2 names the user with the realm, as Postfix 3.7.11 logs it.
    CHECK(session.sasl_username == "alice@example.test");
  }
}

TEST_CASE("smtpd AUTH: a client may abort with * and bad base64 fails as Postfix 3.7",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  test::LogCapture log;

  w.send("*\r\n");
  auto aborted = server->run_auth(*w.stream, session, "LOGIN");
  CHECK(w.received() == "334 VXNlcm5hbWU6\r\n");
  CHECK(aborted.line() == "501 5.7.0 Authentication aborted");
  CHECK(log.contains("warning: localhost[127.0.0.1]: SASL LOGIN authentication aborted"));

  w.send("*\r\n");
  auto aborted_plain = server->run_auth(*w.stream, session, "PLAIN");
  CHECK(w.received() == "334 \r\n");  // empty challenge: "334 " and nothing
  CHECK(aborted_plain.line() == "501 5.7.0 Authentication aborted");

  auto bad_initial = server->run_auth(*w.stream, session, "PLAIN !!!!");
  CHECK(bad_initial.line() == "535 5.7.8 Error: authentication failed: bad protocol / cancel");
  CHECK(
      log.contains("SASL PLAIN authentication failed: bad protocol / cancel, "
                   "sasl_username=(unavailable)"));

  // "=" (an empty initial response in RFC 4954) goes to libsasl2's decoder
  // as is in Postfix 3.7, which calls it incomplete.
  CHECK(server->run_auth(*w.stream, session, "PLAIN =").line() ==
        "535 5.7.8 Error: authentication failed: another step is needed in authentication");

  w.send("%%%\r\n");
  auto bad_step = server->run_auth(*w.stream, session, "PLAIN");
  CHECK(bad_step.line() ==
        "535 5.7.8 Error: authentication failed: another step is needed in authentication");
  CHECK(w.received() == "334 \r\n");
  CHECK(session.sasl_username.empty());
}

TEST_CASE("smtpd AUTH syntax and state errors", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  CHECK(server->run_auth(*w.stream, session, "").line() == "501 5.5.4 Syntax: AUTH mechanism");
  CHECK(server->run_auth(*w.stream, session, "PLAIN a b").line() ==
        "501 5.5.4 Syntax: AUTH mechanism");
  session.sender = "a@b.example";
  CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
            .line() == "503 5.5.1 Error: MAIL transaction in progress");
  session.reset_transaction();
  CHECK(server->run_auth(*w.stream, session, "plain " + plain("alice@example.test", "secret"))
            .line() == "235 2.7.0 Authentication successful");
}

TEST_CASE("smtpd AUTH: a response line longer than smtpd_sasl_response_limit is refused",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  f.config.set_override("smtpd_sasl_response_limit", "100");
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  w.send(std::string(500, 'A') + "\r\n");
  auto reply = server->run_auth(*w.stream, session, "PLAIN");
  CHECK(reply.line() == "500 5.5.6 Authentication exchange line is too long");
  // The rest of the long line was consumed: the stream is at the next line.
  w.send("NOOP\r\n");
  auto next = w.stream->read_line(100);
  REQUIRE(next);
  CHECK(next->text == "NOOP\r");
}

TEST_CASE("smtpd AUTH: the client going away or falling silent ends the session as Postfix",
          "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  f.config.set_override("myhostname", "mx.example.test");
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  session.last_command = "AUTH";
  test::LogCapture log;
  SECTION("lost connection") {
    ::shutdown(w.client.get(), SHUT_WR);
    auto reply = server->run_auth(*w.stream, session, "LOGIN");
    CHECK(reply.code == 421);
    CHECK(log.contains("lost connection after AUTH from localhost[127.0.0.1]"));
  }
  SECTION("timeout") {
    w.stream->set_timeout(200ms);
    auto reply = server->run_auth(*w.stream, session, "LOGIN");
    CHECK(reply.line() == "421 4.4.2 mx.example.test Error: timeout exceeded");
    CHECK(w.received() ==
          "334 VXNlcm5hbWU6\r\n421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
    CHECK(log.contains("timeout after AUTH from localhost[127.0.0.1]"));
  }
  // The socket is shut down: the engine's next read ends the session.
  auto next = w.stream->read_line(100);
  CHECK((!next || next->end == util::LineEnd::kEof));
  CHECK(session.sasl_username.empty());
}

TEST_CASE("smtpd AUTH mechanisms follow the TLS state and smtpd_tls_auth_only", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  auto session = session_from_localhost();
  SECTION("default: PLAIN and LOGIN with or without TLS") {
    Fixture f;
    auto server = f.server();
    CHECK(server->mechanisms(session) == "PLAIN LOGIN");
    session.tls_active = true;
    CHECK(server->mechanisms(session) == "PLAIN LOGIN");
  }
  SECTION("smtpd_tls_auth_only: nothing and 503 before TLS") {
    Fixture f;
    f.config.set_override("smtpd_tls_auth_only", "yes");
    auto server = f.server();
    CHECK(server->mechanisms(session) == "");
    Wire w;
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
              .line() == "503 5.5.1 Error: authentication not enabled");
    session.tls_active = true;
    CHECK(server->mechanisms(session) == "PLAIN LOGIN");
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
              .line() == "235 2.7.0 Authentication successful");
  }
  SECTION("noplaintext hides PLAIN and LOGIN until TLS (smtpd_sasl_tls_security_options)") {
    Fixture f("PLAIN LOGIN CRAM-MD5");
    f.config.set_override("smtpd_sasl_security_options", "noanonymous, noplaintext");
    f.config.set_override("smtpd_sasl_tls_security_options", "noanonymous");
    auto server = f.server();
    CHECK(server->mechanisms(session) == "CRAM-MD5");
    Wire w;
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
              .line() ==
          "535 5.7.8 Error: authentication failed: encryption needed to use mechanism");
    session.tls_active = true;
    std::string tls_mechs = server->mechanisms(session);
    CHECK(tls_mechs.find("PLAIN") != std::string::npos);
    CHECK(tls_mechs.find("LOGIN") != std::string::npos);
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
              .line() == "235 2.7.0 Authentication successful");
  }
  SECTION("smtpd_sasl_exceptions_networks: no AUTH in EHLO, but AUTH still works") {
    Fixture f;
    f.config.set_override("smtpd_sasl_exceptions_networks", "192.0.2.0/24, 127.0.0.0/8");
    auto server = f.server();
    CHECK(server->mechanisms(session) == "");
    Wire w;
    CHECK(server->run_auth(*w.stream, session, "PLAIN " + plain("alice@example.test", "secret"))
              .line() == "235 2.7.0 Authentication successful");
    auto other = session_from_localhost();
    other.client.addr = "198.51.100.7";
    CHECK(server->mechanisms(other) == "PLAIN LOGIN");
  }
  SECTION("smtpd_sasl_mechanism_filter removes mechanisms from the EHLO list") {
    Fixture f;
    f.config.set_override("smtpd_sasl_mechanism_filter", "!plain, static:all");
    auto server = f.server();
    CHECK(server->mechanisms(session) == "LOGIN");
  }
}

TEST_CASE("smtpd with AUTH on and no usable mechanism dies as Postfix does", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  // Only plaintext mechanisms, noplaintext, no TLS: Postfix 3.7.11 logs
  // two lines and the smtpd process exits (observed).
  Fixture f;
  f.config.set_override("smtpd_sasl_security_options", "noanonymous, noplaintext");
  auto server = f.server();
  int err[2];
  REQUIRE(::pipe(err) == 0);
  std::cout.flush();  // msg_fatal's exit() in the child flushes copies of these
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err[1], 2);
    auto session = session_from_localhost();
    (void)server->mechanisms(session);
    ::_exit(0);  // not reached
  }
  ::close(err[1]);
  std::string output;
  char buf[512];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;)
    output.append(buf, static_cast<size_t>(n));
  ::close(err[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(output.find("warning: xsasl_cyrus_server_get_mechanism_list: no applicable SASL "
                    "mechanisms") != std::string::npos);
  CHECK(output.find("fatal: no SASL authentication mechanisms") != std::string::npos);
}

TEST_CASE("smtpd AUTH off, or another smtpd_sasl_type", "[smtpd][sasl]") {
  conf::Config config;
  auto off = smtpd::SaslServer::create(config);
  REQUIRE(off);
  CHECK_FALSE((*off)->enabled());
  auto session = session_from_localhost();
  CHECK((*off)->mechanisms(session) == "");
  Wire w;
  CHECK((*off)->run_auth(*w.stream, session, "PLAIN x").line() ==
        "503 5.5.1 Error: authentication not enabled");

  config.set_override("smtpd_sasl_auth_enable", "yes");
  config.set_override("smtpd_sasl_type", "dovecot");
  auto dovecot = smtpd::SaslServer::create(config);
  REQUIRE_FALSE(dovecot);
  CHECK(dovecot.error().message == "unsupported SASL server implementation: dovecot");

  config.set_override("smtpd_sasl_type", "cyrus");
  config.set_override("smtpd_sasl_security_options", "noanonymous, bogus");
  auto bad = smtpd::SaslServer::create(config);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("bogus") != std::string::npos);
}

namespace {

// libsasl2's own client, as a mail client would use it.
struct ClientSecret {
  sasl_secret_t header;
  char rest[64];
};

int client_simple(void* context, int id, const char** result, unsigned* len) {
  if (id != SASL_CB_USER && id != SASL_CB_AUTHNAME) return SASL_BADPARAM;
  *result = static_cast<const char*>(context);
  if (len) *len = static_cast<unsigned>(std::strlen(*result));
  return SASL_OK;
}

int client_pass(sasl_conn_t*, void* context, int id, sasl_secret_t** psecret) {
  if (id != SASL_CB_PASS) return SASL_BADPARAM;
  *psecret = &static_cast<ClientSecret*>(context)->header;
  return SASL_OK;
}

using Proc = int (*)(void);
template <class F>
Proc proc(F* f) {
  return reinterpret_cast<Proc>(reinterpret_cast<void (*)()>(f));
}

}  // namespace

TEST_CASE("smtpd AUTH against libsasl2's client API in a second thread", "[smtpd][sasl]") {
  if (!have_saslpasswd2()) return;
  Fixture f;
  auto server = f.server();
  Wire w;
  auto session = session_from_localhost();
  REQUIRE(sasl_client_init(nullptr) == SASL_OK);

  std::string client_result;
  std::thread client([&] {
    char user[] = "alice@example.test";
    ClientSecret secret{};
    std::memcpy(secret.header.data, "secret", 6);
    secret.header.len = 6;
    sasl_callback_t callbacks[] = {
        {SASL_CB_USER, proc(&client_simple), user},
        {SASL_CB_AUTHNAME, proc(&client_simple), user},
        {SASL_CB_PASS, proc(&client_pass), &secret},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    sasl_conn_t* conn = nullptr;
    if (sasl_client_new("smtp", "localhost", nullptr, nullptr, callbacks, 0, &conn) != SASL_OK) {
      client_result = "client_new failed";
      return;
    }
    sasl_security_properties_t props{};
    props.security_flags = SASL_SEC_NOANONYMOUS;
    sasl_setprop(conn, SASL_SEC_PROPS, &props);
    const char* out = nullptr;
    unsigned out_len = 0;
    const char* mech = nullptr;
    // Force the challenge path: LOGIN has no initial response here.
    int status = sasl_client_start(conn, "LOGIN", nullptr, &out, &out_len, &mech);
    util::Stream s(util::Fd(::dup(w.client.get())), 5s);
    while (status == SASL_CONTINUE || status == SASL_OK) {
      auto line = s.read_line(1000);
      if (!line || line->text.rfind("334 ", 0) != 0) break;
      std::string text = line->text.substr(4);
      if (!text.empty() && text.back() == '\r') text.pop_back();
      char decoded[512];
      unsigned dlen = 0;
      if (sasl_decode64(text.data(), static_cast<unsigned>(text.size()), decoded, sizeof decoded,
                        &dlen) != SASL_OK) {
        break;
      }
      status = sasl_client_step(conn, decoded, dlen, nullptr, &out, &out_len);
      char encoded[1024];
      unsigned elen = 0;
      sasl_encode64(out ? out : "", out ? out_len : 0, encoded, sizeof encoded, &elen);
      (void)s.write(std::string(encoded, elen) + "\r\n");
      (void)s.flush();
    }
    client_result = std::string("mech=") + (mech ? mech : "?");
    sasl_dispose(&conn);
  });
  auto reply = server->run_auth(*w.stream, session, "LOGIN");
  ::shutdown(w.stream->fd(), SHUT_RDWR);
  client.join();
  CHECK(client_result == "mech=LOGIN");
  CHECK(reply.line() == "235 2.7.0 Authentication successful");
  CHECK(session.sasl_username == "alice@example.test");
}
