// The SMTP/LMTP client session and transaction against scripted servers on
// loopback (tests/support/loopback_server.h): what is sent, and the texts
// Postfix reports for each kind of answer.
#include "smtp/smtp_session.h"

#include <catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "smtp/smtp_transaction.h"
#include "tests/support/loopback_server.h"

namespace {

smtp::Settings settings(smtp::Protocol protocol = smtp::Protocol::kSmtp) {
  smtp::Settings s;
  s.protocol = protocol;
  s.helo_name = "mx.example.test";
  s.timeouts.connect = s.timeouts.helo = s.timeouts.mail = s.timeouts.rcpt = s.timeouts.data_init =
      s.timeouts.data_xfer = s.timeouts.data_done = s.timeouts.quit = s.timeouts.rset =
          std::chrono::seconds(5);
  return s;
}

smtp::Target target(int port) { return smtp::Target{"127.0.0.1", "127.0.0.1", AF_INET, port, 0}; }

// Answers from a script: for each command prefix the reply to give; every
// command is recorded. DATA content is swallowed up to the dot.
struct Script {
  std::string greeting = "220 test ESMTP";
  std::string ehlo = "250-test\r\n250-PIPELINING\r\n250 SIZE 1000";
  std::function<std::string(const std::string&)> answer;
  std::mutex mu;
  std::vector<std::string> seen;
  std::vector<std::string> end_of_data = {"250 2.0.0 Ok: queued as ABC"};

  void serve(test::Connection& c) {
    if (!c.write(greeting + "\r\n")) return;
    for (;;) {
      auto line = c.read_line();
      if (!line) return;
      std::string cmd = *line;
      if (!cmd.empty() && cmd.back() == '\r') cmd.pop_back();
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(cmd);
      }
      std::string reply;
      if (cmd.rfind("EHLO", 0) == 0 || cmd.rfind("LHLO", 0) == 0) {
        reply = ehlo;
      } else if (cmd == "DATA") {
        if (!c.write("354 go\r\n")) return;
        for (;;) {
          auto l = c.read_line();
          if (!l || *l == ".\r") break;
        }
        for (size_t i = 0; i + 1 < end_of_data.size(); ++i)
          if (!c.write(end_of_data[i] + "\r\n")) return;
        reply = end_of_data.back();
      } else if (cmd == "QUIT") {
        c.write("221 Bye\r\n");
        return;
      } else {
        reply = answer ? answer(cmd) : "250 2.0.0 Ok";
      }
      if (!c.write(reply + "\r\n")) return;
    }
  }
  std::vector<std::string> commands() {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
};

mail::DeliveryRequest request(long size = 100) {
  mail::DeliveryRequest r;
  r.sender = "s@example.test";
  r.data_size = size;
  for (const char* a : {"a@example.org", "b@example.org"}) {
    mail::DeliveryRecipient rc;
    rc.address = a;
    r.recipients.push_back(rc);
  }
  return r;
}

std::vector<const mail::DeliveryRecipient*> all(const mail::DeliveryRequest& r) {
  std::vector<const mail::DeliveryRecipient*> out;
  for (const auto& rc : r.recipients) out.push_back(&rc);
  return out;
}

}  // namespace

TEST_CASE("a refused connection reads as Postfix's connect failure", "[smtp]") {
  int port;
  {
    test::LoopbackServer gone([](test::Connection&) {});
    port = gone.port();
  }
  auto s = settings();
  auto made = smtp::connect_session(target(port), false, s);
  REQUIRE_FALSE(made);
  CHECK(made.error().dsn == "4.4.1");
  CHECK(made.error().text ==
        "connect to 127.0.0.1[127.0.0.1]:" + std::to_string(port) + ": Connection refused");
  CHECK(made.error().relay == "none");
}

TEST_CASE("a 5xx greeting means the server refused to talk, and the mail waits", "[smtp]") {
  Script script;
  script.greeting = "554 5.7.1 no thanks";
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  auto f = made->greet();
  REQUIRE(f);
  CHECK(f->dsn == "4.7.1");
  CHECK(f->text == "host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 no thanks");
  CHECK(f->relay == "127.0.0.1[127.0.0.1]:" + std::to_string(server.port()));
}

TEST_CASE("a silent server times out with Postfix's words", "[smtp]") {
  test::LoopbackServer server([](test::Connection& c) { c.stall(); });
  auto s = settings();
  s.timeouts.helo = std::chrono::seconds(1);
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  auto f = made->greet();
  REQUIRE(f);
  CHECK(f->dsn == "4.4.2");
  CHECK(f->text ==
        "conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server "
        "greeting");
  CHECK(made->broken);
}

TEST_CASE("EHLO refused with 5xx falls back to HELO", "[smtp]") {
  Script script;
  script.ehlo = "502 5.5.2 no EHLO here";
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  CHECK_FALSE(made->features.esmtp);
  auto cmds = script.commands();
  REQUIRE(cmds.size() == 2);
  CHECK(cmds[0] == "EHLO mx.example.test");
  CHECK(cmds[1] == "HELO mx.example.test");
}

TEST_CASE("a message over the server's SIZE is refused before MAIL, session still usable",
          "[smtp]") {
  Script script;
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  auto req = request(5000);
  auto tr = smtp::run_transaction(*made, s, req, all(req), {"Subject: x", "", "body"});
  REQUIRE(tr.outcomes.size() == 2);
  CHECK(tr.outcomes[0].dsn == "5.3.4");
  CHECK(tr.outcomes[0].text ==
        "message size 5000 exceeds size limit 1000 of server 127.0.0.1[127.0.0.1]");
  CHECK_FALSE(made->broken);
  for (const auto& c : script.commands()) CHECK(c.rfind("MAIL", 0) != 0);
}

TEST_CASE("pipelined MAIL and RCPTs: per-recipient answers, DATA for the accepted ones", "[smtp]") {
  Script script;
  script.answer = [](const std::string& cmd) -> std::string {
    if (cmd.rfind("RCPT TO:<b@", 0) == 0) return "450 4.2.0 <b@example.org>: try later";
    return "250 2.0.0 Ok";
  };
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  auto req = request();
  auto tr = smtp::run_transaction(*made, s, req, all(req), {"Subject: x", "", ".dot"});
  REQUIRE(tr.outcomes.size() == 2);
  CHECK(tr.outcomes[0].sent());
  CHECK(tr.outcomes[0].text == "250 2.0.0 Ok: queued as ABC");
  CHECK(tr.outcomes[1].dsn == "4.2.0");
  CHECK(tr.outcomes[1].text ==
        "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <b@example.org>: try later (in reply to "
        "RCPT TO command)");
  CHECK(tr.outcomes[1].diag_text == "450 4.2.0 <b@example.org>: try later");
  CHECK_FALSE(tr.transaction_failed);
  auto cmds = script.commands();
  REQUIRE(cmds.size() >= 5);
  CHECK(cmds[1] == "MAIL FROM:<s@example.test> SIZE=100");
  CHECK(cmds[2] == "RCPT TO:<a@example.org>");
  CHECK(cmds[3] == "RCPT TO:<b@example.org>");
  CHECK(cmds[4] == "DATA");
}

TEST_CASE("a refused MAIL FROM fails every recipient with the server's reply", "[smtp]") {
  Script script;
  script.ehlo = "250 test";  // no PIPELINING: one command at a time
  script.answer = [](const std::string& cmd) -> std::string {
    if (cmd.rfind("MAIL", 0) == 0) return "553 5.7.1 <s@example.test>: Sender address rejected";
    return "250 2.0.0 Ok";
  };
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  auto req = request();
  auto tr = smtp::run_transaction(*made, s, req, all(req), {"body"});
  CHECK(tr.transaction_failed);
  for (const auto& o : tr.outcomes) {
    CHECK(o.dsn == "5.7.1");
    CHECK(o.text ==
          "host 127.0.0.1[127.0.0.1] said: 553 5.7.1 <s@example.test>: Sender address rejected "
          "(in reply to MAIL FROM command)");
  }
  for (const auto& c : script.commands()) CHECK(c.rfind("RCPT", 0) != 0);
}

TEST_CASE("LMTP: LHLO, and one end-of-data reply per accepted recipient", "[smtp]") {
  Script script;
  script.ehlo = "250-lmtp\r\n250 PIPELINING";
  script.end_of_data = {"250 2.0.0 <a> Saved", "452 4.2.2 <b> Mailbox full"};
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings(smtp::Protocol::kLmtp);
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  auto req = request();
  auto tr = smtp::run_transaction(*made, s, req, all(req), {"body"});
  REQUIRE(tr.outcomes.size() == 2);
  CHECK(tr.outcomes[0].sent());
  CHECK(tr.outcomes[0].text == "250 2.0.0 <a> Saved");
  CHECK(tr.outcomes[1].dsn == "4.2.2");
  CHECK(tr.outcomes[1].text ==
        "host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <b> Mailbox full (in reply to end of DATA "
        "command)");
  CHECK(script.commands()[0] == "LHLO mx.example.test");
}

TEST_CASE("mail that needs SMTPUTF8 is not offered to a server without it", "[smtp]") {
  Script script;
  test::LoopbackServer server([&](test::Connection& c) { script.serve(c); });
  auto s = settings();
  auto made = smtp::connect_session(target(server.port()), false, s);
  REQUIRE(made);
  REQUIRE_FALSE(made->greet());
  REQUIRE_FALSE(made->ehlo());
  auto req = request();
  req.smtputf8 = 1;
  req.recipients[0].address = "jos\xc3\xa9@example.org";
  auto tr = smtp::run_transaction(*made, s, req, all(req), {"body"});
  for (const auto& o : tr.outcomes) {
    CHECK(o.dsn == "5.6.7");
    CHECK(o.text == "SMTPUTF8 is required, but was not offered by host 127.0.0.1[127.0.0.1]");
  }
  for (const auto& c : script.commands()) CHECK(c.rfind("MAIL", 0) != 0);
}
