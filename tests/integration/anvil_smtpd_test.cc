// smtpd's client limits end to end: a real master with Debian's master.cf
// (anvil included), smtpd on a loopback port, and SMTP clients that connect
// from 127.0.0.2, outside mynetworks (127.0.0.1/32). Two simultaneous
// sessions are two smtpd processes, so the count limit holding here means
// anvil shares it across processes. Replies as Postfix 3.7.11 gave them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "libutil/fd.h"
#include "libutil/stream.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/support/cert_maker.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// A minimal SMTP client whose source address is chosen (SmtpClient always
// connects from 127.0.0.1).
class ClientFrom {
 public:
  ClientFrom(const std::string& source, int port) {
    util::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&src), sizeof src) == 0 &&
        ::connect(fd.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0)
      stream_.emplace(std::move(fd), 15s);
  }

  bool connected() const { return stream_.has_value(); }

  // The last line of the next reply ("" on EOF, timeout or garbage).
  std::string reply() {
    if (!stream_) return "";
    for (int i = 0; i < 100; ++i) {
      auto line = stream_->read_line(4096);
      if (!line || line->end == util::LineEnd::kEof) return "";
      std::string text = line->text;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.size() < 4 || text[3] != '-') return text;
    }
    return "";
  }

  std::string command(const std::string& line) {
    if (!stream_ || !stream_->write(line + "\r\n") || !stream_->flush()) return "";
    return reply();
  }

  // True when the server closed the connection (EOF on the next read).
  bool closed() {
    if (!stream_) return true;
    auto line = stream_->read_line(4096);
    return !line || line->end == util::LineEnd::kEof;
  }

 private:
  std::optional<util::Stream> stream_;
};

smtpd_test::SmtpdOptions limited(const std::string& main_cf) {
  smtpd_test::SmtpdOptions o;
  o.main_cf = "mynetworks = 127.0.0.1/32\n" + main_cf;
  return o;
}

}  // namespace

TEST_CASE(
    "a second simultaneous connection over smtpd_client_connection_count_limit gets 421 "
    "while the first goes on",
    "[anvil][smtpd_limits][smtpd][master]") {
  if (test::skip_unless_root("master switches users")) return;
  smtpd_test::SmtpdInstance s(limited("smtpd_client_connection_count_limit = 1\n"));
  REQUIRE(s.start().exit_status == 0);
  const std::string service = "127.0.0.1:" + std::to_string(s.port());

  ClientFrom first("127.0.0.2", s.port());
  REQUIRE(first.connected());
  CHECK(first.reply().starts_with("220 "));
  ClientFrom second("127.0.0.2", s.port());
  REQUIRE(second.connected());
  CHECK(second.reply() == "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.2");
  CHECK(second.closed());
  CHECK(s.log_has("warning: Connection concurrency limit exceeded: 2 from "));
  CHECK(s.log_has("[127.0.0.2] for service " + service));

  // The first session is untouched.
  CHECK(first.command("EHLO client.example").starts_with("250 "));
  CHECK(first.command("QUIT").starts_with("221 "));

  // Both ended: a new connection is welcome again (anvil got both disconnects).
  bool welcome = master_test::eventually(
      [&] {
        ClientFrom next("127.0.0.2", s.port());
        bool ok = next.reply().starts_with("220 ");
        if (ok) next.command("QUIT");
        return ok;
      },
      10s);
  CHECK(welcome);
}

TEST_CASE("a client in mynetworks is not limited by smtpd_client_connection_count_limit",
          "[anvil][smtpd_limits][smtpd][master]") {
  if (test::skip_unless_root("master switches users")) return;
  smtpd_test::SmtpdInstance s(limited("smtpd_client_connection_count_limit = 1\n"));
  REQUIRE(s.start().exit_status == 0);
  ClientFrom a("127.0.0.1", s.port());
  ClientFrom b("127.0.0.1", s.port());
  ClientFrom c("127.0.0.1", s.port());
  CHECK(a.reply().starts_with("220 "));
  CHECK(b.reply().starts_with("220 "));
  CHECK(c.reply().starts_with("220 "));
  CHECK(c.command("MAIL FROM:<a@example.test>").starts_with("250 "));
  CHECK(s.log().find("limit exceeded") == std::string::npos);
}

TEST_CASE("smtpd_client_message_rate_limit refuses MAIL with 450 across sessions",
          "[anvil][smtpd_limits][smtpd][master]") {
  if (test::skip_unless_root("master switches users")) return;
  smtpd_test::SmtpdInstance s(limited("smtpd_client_message_rate_limit = 2\n"));
  REQUIRE(s.start().exit_status == 0);
  {
    ClientFrom one("127.0.0.2", s.port());
    REQUIRE(one.reply().starts_with("220 "));
    CHECK(one.command("EHLO client.example").starts_with("250 "));
    CHECK(one.command("MAIL FROM:<a@example.test>").starts_with("250 "));
    CHECK(one.command("RSET").starts_with("250 "));
    CHECK(one.command("QUIT").starts_with("221 "));
  }
  ClientFrom two("127.0.0.2", s.port());
  REQUIRE(two.reply().starts_with("220 "));
  CHECK(two.command("EHLO client.example").starts_with("250 "));
  CHECK(two.command("MAIL FROM:<a@example.test>").starts_with("250 "));
  CHECK(two.command("RSET").starts_with("250 "));
  CHECK(two.command("MAIL FROM:<a@example.test>") ==
        "450 4.7.1 Error: too much mail from 127.0.0.2");
  // The session goes on.
  CHECK(two.command("NOOP").starts_with("250 "));
  CHECK(s.log_has("warning: Message delivery request rate limit exceeded: 3 from "));
  // A client in mynetworks is exempt.
  ClientFrom local("127.0.0.1", s.port());
  REQUIRE(local.reply().starts_with("220 "));
  CHECK(local.command("EHLO client.example").starts_with("250 "));
  for (int i = 0; i < 4; ++i) {
    CHECK(local.command("MAIL FROM:<a@example.test>").starts_with("250 "));
    CHECK(local.command("RSET").starts_with("250 "));
  }
}

TEST_CASE("smtpd without a reachable anvil logs a warning and lets mail in",
          "[anvil][smtpd_limits][smtpd][master]") {
  if (test::skip_unless_root("master switches users")) return;
  // No anvil service in master.cf: private/anvil does not exist.
  smtpd_test::SmtpdOptions o = limited("smtpd_client_connection_count_limit = 1\n");
  smtpd_test::SmtpdInstance s(o);
  std::string master_cf = pipeline_test::read_file(s.instance().dir().file("master.cf"));
  std::string without;
  std::istringstream in(master_cf);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("anvil ", 0) != 0) without += line + "\n";
  s.instance().dir().write("master.cf", without);
  REQUIRE(s.start().exit_status == 0);
  ClientFrom a("127.0.0.2", s.port());
  ClientFrom b("127.0.0.2", s.port());
  CHECK(a.reply().starts_with("220 "));
  CHECK(b.reply().starts_with("220 "));
  CHECK(s.log_has("warning: connect to private/anvil: "));
}

TEST_CASE(
    "smtpd_client_new_tls_session_rate_limit: STARTTLS gets 454 once the client had its "
    "new TLS sessions",
    "[anvil][smtpd_limits][smtpd][master]") {
  if (test::skip_unless_root("master switches users")) return;
  if (test::skip_without("openssl", "the TLS sessions are made by openssl s_client")) return;
  test::TempDir work;
  test::CertFiles cert = test::make_self_signed(work, "server", "mx.example.test");
  smtpd_test::SmtpdInstance s(limited(
      "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = " + cert.cert +
      "\nsmtpd_tls_key_file = " + cert.key + "\nsmtpd_client_new_tls_session_rate_limit = 1\n"));
  REQUIRE(s.start().exit_status == 0);
  // Two TLS sessions from 127.0.0.2 (the second may get 421 after its
  // handshake, as Postfix gives it, once the engine reports handshakes).
  for (int i = 0; i < 2; ++i) {
    test::RunOptions o;
    o.stdin_text = "QUIT\n";
    o.timeout_seconds = 30;
    test::run({"openssl", "s_client", "-quiet", "-crlf", "-bind", "127.0.0.2:0", "-starttls",
               "smtp", "-connect", "127.0.0.1:" + std::to_string(s.port())},
              o);
  }
  REQUIRE(master_test::eventually(
      [&] { return pipeline_test::count_of(s.log(), "disconnect from ") >= 2; }, 10s));
  // The second handshake went over the limit: 421 and the session ended.
  CHECK(
      s.log_has("warning: New TLS session rate limit exceeded: 2 from unknown[127.0.0.2] "
                "for service 127.0.0.1:" +
                std::to_string(s.port())));
  ClientFrom third("127.0.0.2", s.port());
  REQUIRE(third.reply().starts_with("220 "));
  CHECK(third.command("EHLO client.example").starts_with("250 "));
  std::string refused = third.command("STARTTLS");
  CHECK(refused.starts_with("454 4.7.0 Error: too many new TLS sessions from "));
  CHECK(refused.ends_with("[127.0.0.2]"));
  // The session goes on in plain text.
  CHECK(third.command("NOOP").starts_with("250 "));
  CHECK(s.log_has("warning: Refusing STARTTLS request from "));
  // A client in mynetworks is not limited.
  ClientFrom local("127.0.0.1", s.port());
  REQUIRE(local.reply().starts_with("220 "));
  CHECK(local.command("EHLO client.example").starts_with("250 "));
  CHECK(local.command("STARTTLS") == "220 2.0.0 Ready to start TLS");
}
