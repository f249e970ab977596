// The smtp agent with many destinations and policies: 100 recipients in 10
// domains routed by transport_maps to ten servers (grouped per destination,
// each outcome right), smtp_tls_security_level = encrypt toward a server
// without STARTTLS (nothing sent), lmtp over a UNIX socket.
#include <catch.hpp>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtp_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;

namespace {

const std::string kMessage = "Subject: routing test\n\nbody\n";

}  // namespace

TEST_CASE("100 recipients in 10 domains go out grouped per destination, each with its outcome",
          "[smtp][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without(smtp_test::kSinkPath, "smtp-sink (Debian's postfix) is the server"))
    return;
  test::TempDir dumps;
  // Domains d0..d8: smtp-sink; d9: a server that refuses u5..u7 (550) and
  // defers u8, u9 (450).
  std::vector<std::unique_ptr<smtp_test::Sink>> sinks;
  std::string transport = "transport_maps = inline:{ ";
  for (int d = 0; d < 9; ++d) {
    int port = master_test::free_port();
    sinks.push_back(
        std::make_unique<smtp_test::Sink>(port, dumps.file("sink" + std::to_string(d))));
    REQUIRE(sinks.back()->running());
    transport +=
        "d" + std::to_string(d) + ".example=smtp:[127.0.0.1]:" + std::to_string(port) + ", ";
  }
  smtp_test::ScriptedServer picky([](const std::string& addr) -> std::string {
    char u = addr[1];
    if (u >= '5' && u <= '7') return "550 5.1.1 <" + addr + ">: User unknown";
    if (u >= '8') return "450 4.2.0 <" + addr + ">: try later";
    return "250 2.1.5 Ok";
  });
  transport += "d9.example=smtp:[127.0.0.1]:" + std::to_string(picky.port()) + " }\n";

  Pipeline p(transport);
  REQUIRE(p.start().exit_status == 0);
  std::vector<std::string> args{"-f", "root"};
  for (int d = 0; d < 10; ++d)
    for (int u = 0; u < 10; ++u)
      args.push_back("u" + std::to_string(u) + "@d" + std::to_string(d) + ".example");
  REQUIRE(p.sendmail(args, kMessage).exit_status == 0);
  INFO(p.instance().log());
  // Only the smtp agent's lines: the bounce notice's local delivery logs
  // a status=sent too.
  auto smtp_log = [&] {
    std::string out;
    for (const auto& l : smtp_test::log_lines(p.instance().log(), "postfix/smtp[")) out += l + "\n";
    return out;
  };
  bool all_done = master_test::eventually(
      [&] {
        std::string log = smtp_log();
        return count_of(log, "status=sent") + count_of(log, "status=bounced") +
                   count_of(log, "status=deferred") >=
               100;
      },
      std::chrono::seconds(60));
  std::string log = smtp_log();
  if (!all_done) FAIL(p.instance().log());
  CHECK(count_of(log, "status=sent") == 95);
  CHECK(count_of(log, "status=bounced") == 3);
  CHECK(count_of(log, "status=deferred") == 2);
  for (int d = 0; d < 10; ++d)
    for (int u = 0; u < 10; ++u) {
      std::string rcpt = "u" + std::to_string(u) + "@d" + std::to_string(d) + ".example";
      auto lines = smtp_test::log_lines(log, "to=<" + rcpt + ">");
      INFO(rcpt);
      REQUIRE(lines.size() == 1);
      std::string status = d < 9 || u < 5 ? "status=sent"
                           : u < 8        ? "status=bounced"
                                          : "status=deferred";
      CHECK(lines[0].find(status) != std::string::npos);
    }
  // One transaction per destination, holding exactly its ten recipients.
  for (int d = 0; d < 9; ++d) {
    auto got = sinks[d]->dumps();
    INFO("d" << d);
    REQUIRE(got.size() == 1);
    CHECK(count_of(got[0], "X-Rcpt-Args: ") == 10);
    CHECK(count_of(got[0], "@d" + std::to_string(d) + ".example>") == 10);
    CHECK(got[0].find("Subject: routing test") != std::string::npos);
  }
  CHECK(picky.messages().size() == 1);
  CHECK(count_of(log,
                 "said: 550 5.1.1 <u5@d9.example>: User unknown (in reply to RCPT TO command)") ==
        1);
  CHECK(count_of(log, "said: 450 4.2.0 <u8@d9.example>: try later (in reply to RCPT TO command)") ==
        1);
  // The deferred ones wait in the queue; the rest are done.
  REQUIRE(master_test::eventually([&] { return p.queue_count("deferred") == 1; },
                                  std::chrono::seconds(20)));
}

TEST_CASE("encrypt toward a server without STARTTLS defers and sends nothing in clear", "[smtp]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtp_test::ScriptedServer server([](const std::string&) { return std::string("250 2.1.5 Ok"); });
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) +
             "\nsmtp_tls_security_level = encrypt\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.instance().log_has("status=deferred"));
  std::string log = p.instance().log();
  CHECK(log.find("dsn=4.7.4, status=deferred (TLS is required, but was not offered by host "
                 "127.0.0.1[127.0.0.1])") != std::string::npos);
  // EHLO, then QUIT: no envelope, no content.
  auto cmds = server.commands();
  for (const auto& c : cmds) {
    INFO(c);
    CHECK((c.rfind("EHLO ", 0) == 0 || c == "QUIT"));
  }
  CHECK(server.messages().empty());
}

TEST_CASE("the legacy smtp_enforce_tls = yes also refuses to send in clear", "[smtp]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtp_test::ScriptedServer server([](const std::string&) { return std::string("250 2.1.5 Ok"); });
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) +
             "\nsmtp_enforce_tls = yes\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.instance().log_has("status=deferred"));
  CHECK(p.instance().log().find("TLS is required, but was not offered") != std::string::npos);
  CHECK(server.messages().empty());
}

TEST_CASE("lmtp delivers over a UNIX socket named by transport_maps, one reply per recipient",
          "[smtp][lmtp]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  // lmtp is chrooted as shipped: the socket lives below the queue
  // directory and the next hop names it relative to it, as
  // "lmtp:unix:private/dovecot-lmtp" does.
  const std::string rel = "lmtptest/lmtp.sock";
  Pipeline p("transport_maps = inline:{ lmtp.example=lmtp:unix:" + rel + " }\n");
  REQUIRE(p.start().exit_status == 0);
  std::filesystem::create_directories(p.path("queue/lmtptest"));
  const std::string path = p.path("queue/" + rel);
  std::mutex mu;
  std::vector<std::string> seen;
  test::LoopbackServer server(path, [&](test::Connection& c) {
    if (!c.write("220 lmtp.example LMTP\r\n")) return;
    std::vector<std::string> rcpts;
    for (;;) {
      auto line = c.read_line();
      if (!line) return;
      std::string cmd = *line;
      if (!cmd.empty() && cmd.back() == '\r') cmd.pop_back();
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(cmd);
      }
      if (cmd.rfind("LHLO", 0) == 0) {
        if (!c.write("250-lmtp.example\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")) return;
      } else if (cmd.rfind("MAIL", 0) == 0) {
        if (!c.write("250 2.1.0 Ok\r\n")) return;
      } else if (cmd.rfind("RCPT", 0) == 0) {
        rcpts.push_back(cmd);
        if (!c.write("250 2.1.5 Ok\r\n")) return;
      } else if (cmd == "DATA") {
        if (!c.write("354 go ahead\r\n")) return;
        for (;;) {
          auto l = c.read_line();
          if (!l || *l == ".\r") break;
        }
        // One reply per recipient: the second one fails for good.
        for (size_t i = 0; i < rcpts.size(); ++i)
          if (!c.write(i == 1 ? "552 5.2.2 <b@lmtp.example>: mailbox full\r\n"
                              : "250 2.0.0 <a@lmtp.example> Saved\r\n"))
            return;
        rcpts.clear();
      } else if (cmd == "QUIT") {
        c.write("221 2.0.0 Bye\r\n");
        return;
      } else {
        if (!c.write("250 2.0.0 Ok\r\n")) return;
      }
    }
  });
  ::chmod(path.c_str(), 0666);
  REQUIRE(p.sendmail({"-f", "root", "a@lmtp.example", "b@lmtp.example"}, kMessage).exit_status ==
          0);
  INFO(p.instance().log());
  bool bounced = p.wait_for_messages("root", 1, std::chrono::seconds(30));
  std::string log = p.instance().log();
  if (!bounced) FAIL(log);
  CHECK(std::regex_search(
      log,
      std::regex(
          R"(postfix/lmtp\[\d+\]: [0-9A-F]+: to=<a@lmtp\.example>, relay=mx\.example\.test\[)" +
          std::regex_replace(rel, std::regex(R"([.\[\]/])"), R"(\$&)") +
          R"(\], delay=.*dsn=2\.0\.0, status=sent \(250 2\.0\.0 <a@lmtp\.example> Saved\))")));
  CHECK(log.find("to=<b@lmtp.example>") != std::string::npos);
  CHECK(log.find("dsn=5.2.2, status=bounced (host mx.example.test[" + rel +
                 "] said: 552 5.2.2 <b@lmtp.example>: mailbox full (in reply to end of DATA "
                 "command))") != std::string::npos);
  std::lock_guard<std::mutex> lock(mu);
  CHECK(std::find(seen.begin(), seen.end(), "LHLO mx.example.test") != seen.end());
}

TEST_CASE("at level may a failed TLS handshake is retried in plaintext", "[smtp]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtp_test::ScriptedServer server([](const std::string&) { return std::string("250 2.1.5 Ok"); },
                                   "250-PIPELINING\r\n250-STARTTLS\r\n");
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) +
             "\nsmtp_tls_security_level = may\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  bool sent = p.instance().log_has("status=sent");
  std::string log = p.instance().log();
  INFO(log);
  REQUIRE(sent);
  CHECK(log.find("Cannot start TLS: handshake failure; retrying without TLS") != std::string::npos);
  CHECK(server.connections() == 2);
  CHECK(server.messages().size() == 1);
}
