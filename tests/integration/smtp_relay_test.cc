// The smtp delivery agent end to end: sendmail -> ... -> qmgr -> smtp ->
// a real server on loopback (Postfix's smtp-sink, or a scripted server),
// on a whole instance running the default master.cf (smtp chrooted as
// Debian ships it), as root. Checks what an administrator sees: the log
// line, the queue, the bounce in the sender's mailbox, what the server got.
#include <algorithm>
#include <atomic>
#include <catch.hpp>
#include <regex>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtp_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;

namespace {

const std::string kMessage =
    "Subject: relay test\n"
    "\n"
    "first body line\n"
    ".dot line\n"
    "last line\n";

bool skip() {
  return test::skip_unless_root("a whole instance switches users") ||
         test::skip_without(smtp_test::kSinkPath, "smtp-sink (Debian's postfix) is the server");
}

}  // namespace

TEST_CASE("smtp relays mail from sendmail to the relayhost and logs as Postfix", "[smtp]") {
  if (skip()) return;
  test::TempDir dumps;
  int port = master_test::free_port();
  smtp_test::Sink sink(port, dumps.file("sink"));
  REQUIRE(sink.running());
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(port) + "\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.instance().log_has("status=sent"));
  REQUIRE(p.wait_queue_empty());

  auto lines = smtp_test::log_lines(p.instance().log(), "to=<far@example.org>");
  REQUIRE(lines.size() == 1);
  std::regex expected(
      R"(postfix/smtp\[\d+\]: [0-9A-F]+: to=<far@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:)" +
      std::to_string(port) +
      R"(, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok.*\)$)");
  CHECK(std::regex_search(lines[0], expected));

  auto got = sink.dumps();
  REQUIRE(got.size() == 1);
  CHECK(got[0].find("X-Mail-Args: <root@mx.example.test>") != std::string::npos);
  CHECK(got[0].find("X-Rcpt-Args: <far@example.org> ORCPT=rfc822;far@example.org") !=
        std::string::npos);
  CHECK(got[0].find("X-Helo-Args: mx.example.test") != std::string::npos);
  CHECK(got[0].find("Subject: relay test") != std::string::npos);
  // Dot-stuffing undone by the server: the line arrives as written.
  CHECK(got[0].find("\n.dot line\n") != std::string::npos);
  CHECK(got[0].find("\nlast line\n") != std::string::npos);
}

TEST_CASE("smtp defers while the server is down and delivers after postqueue -f", "[smtp][slow]") {
  if (skip()) return;
  test::TempDir dumps;
  int port = master_test::free_port();
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(port) + "\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  const std::string reason =
      "connect to 127.0.0.1[127.0.0.1]:" + std::to_string(port) + ": Connection refused";
  REQUIRE(p.instance().log_has("status=deferred (" + reason + ")"));
  REQUIRE(master_test::eventually([&] { return p.queue_count("deferred") == 1; },
                                  std::chrono::seconds(20)));
  std::string log = p.instance().log();
  CHECK(log.find("relay=none, delay=") != std::string::npos);
  CHECK(log.find("dsn=4.4.1, status=deferred (" + reason + ")") != std::string::npos);
  // The connection failure also has a line of its own.
  CHECK(std::regex_search(
      log, std::regex(R"(postfix/smtp\[\d+\]: )" +
                      std::regex_replace(reason, std::regex(R"([.\[\]])"), R"(\$&)") + "\n")));
  auto listing = test::run({test::command("postqueue"), "-c", p.config_dir(), "-p"});
  CHECK(listing.out.find("(" + reason + ")") != std::string::npos);

  smtp_test::Sink sink(port, dumps.file("sink"));
  REQUIRE(sink.running());
  auto flush = test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"});
  CHECK(flush.exit_status == 0);
  REQUIRE(p.instance().log_has("status=sent"));
  REQUIRE(p.wait_queue_empty());
  CHECK(sink.dumps().size() == 1);
}

TEST_CASE("a 5xx reply to RCPT bounces the recipient to the sender with the remote text",
          "[smtp]") {
  if (skip()) return;
  smtp_test::ScriptedServer server([](const std::string& addr) -> std::string {
    if (addr.rfind("nosuch", 0) == 0)
      return "550 5.1.1 <" + addr + ">: Recipient address rejected: User unknown";
    return "250 2.1.5 Ok";
  });
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) + "\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(
      p.sendmail({"-f", "root", "nosuch@example.org", "good@example.org"}, kMessage).exit_status ==
      0);
  INFO(p.instance().log());
  REQUIRE(p.wait_for_messages("root", 1, std::chrono::seconds(30)));
  REQUIRE(p.wait_queue_empty());
  std::string log = p.instance().log();
  const std::string said =
      "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <nosuch@example.org>: Recipient address "
      "rejected: User unknown (in reply to RCPT TO command)";
  CHECK(log.find("to=<nosuch@example.org>, relay=127.0.0.1[127.0.0.1]:" +
                 std::to_string(server.port())) != std::string::npos);
  CHECK(log.find("dsn=5.1.1, status=bounced (" + said + ")") != std::string::npos);
  CHECK(log.find("to=<good@example.org>") != std::string::npos);
  CHECK(count_of(log, "status=sent (250 2.0.0 Ok: queued as SCRIPT1)") == 1);
  // One transaction carried the accepted recipient.
  CHECK(server.messages().size() == 1);

  std::string box = p.mailbox("root");
  CHECK(box.find("Subject: Undelivered Mail Returned to Sender") != std::string::npos);
  CHECK(box.find("<nosuch@example.org>: host 127.0.0.1[127.0.0.1] said: 550 5.1.1") !=
        std::string::npos);
  CHECK(box.find("Diagnostic-Code: smtp; 550 5.1.1 <nosuch@example.org>") != std::string::npos);
  CHECK(box.find("Status: 5.1.1") != std::string::npos);
}

TEST_CASE("a second message to the same relay reuses the open connection (conn_use=2)", "[smtp]") {
  if (skip()) return;
  smtp_test::ScriptedServer server([](const std::string&) { return std::string("250 2.1.5 Ok"); });
  // Long enough that the second message finds the idle connection even on
  // a busy machine (scache caps the time at connection_cache_ttl_limit).
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) +
             "\nsmtp_connection_cache_time_limit = 20s\nconnection_cache_ttl_limit = 20s\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "one@example.org"}, kMessage).exit_status == 0);
  REQUIRE(p.instance().log_has("to=<one@example.org>"));
  REQUIRE(p.sendmail({"-f", "root", "two@example.org"}, kMessage).exit_status == 0);
  bool second = master_test::eventually(
      [&] { return p.instance().log().find("to=<two@example.org>") != std::string::npos; },
      std::chrono::seconds(20));
  std::string log = p.instance().log();
  INFO(log);
  REQUIRE(second);
  CHECK(server.connections() == 1);
  CHECK(server.messages().size() == 2);
  auto lines = smtp_test::log_lines(log, "to=<two@example.org>");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("relay=127.0.0.1[127.0.0.1]:" + std::to_string(server.port()) +
                      ", conn_use=2, delay=") != std::string::npos);
  CHECK(lines[0].find("status=sent (250 2.0.0 Ok: queued as SCRIPT1)") != std::string::npos);
  auto cmds = server.commands();
  CHECK(std::count_if(cmds.begin(), cmds.end(),
                      [](const std::string& c) { return c.rfind("EHLO", 0) == 0; }) == 1);
}

TEST_CASE("when the relayhost is down, smtp_fallback_relay takes the mail", "[smtp]") {
  if (skip()) return;
  test::TempDir dumps;
  int dead = master_test::free_port();
  int port = master_test::free_port();
  smtp_test::Sink sink(port, dumps.file("sink"));
  REQUIRE(sink.running());
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(dead) +
             "\nsmtp_fallback_relay = [127.0.0.1]:" + std::to_string(port) + "\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  bool sent = p.instance().log_has("status=sent");
  std::string log = p.instance().log();
  INFO(log);
  REQUIRE(sent);
  CHECK(log.find("connect to 127.0.0.1[127.0.0.1]:" + std::to_string(dead) +
                 ": Connection refused") != std::string::npos);
  CHECK(log.find("to=<far@example.org>, relay=127.0.0.1[127.0.0.1]:" + std::to_string(port) +
                 ", delay=") != std::string::npos);
  REQUIRE(p.wait_queue_empty());
  CHECK(sink.dumps().size() == 1);
}

TEST_CASE("a cached connection that dies under the next MAIL is replaced, nothing lost", "[smtp]") {
  if (skip()) return;
  // Hangs up (without a reply) at the second MAIL FROM of a connection, as
  // a server whose idle timer fired just then.
  std::atomic<int> delivered{0};
  std::atomic<int> hangups{0};
  test::LoopbackServer server([&](test::Connection& c) {
    if (!c.write("220 flaky.example ESMTP\r\n")) return;
    int mails = 0;
    for (;;) {
      auto line = c.read_line();
      if (!line) return;
      std::string cmd = *line;
      if (cmd.rfind("EHLO", 0) == 0) {
        if (!c.write("250-flaky.example\r\n250 PIPELINING\r\n")) return;
      } else if (cmd.rfind("MAIL", 0) == 0) {
        if (++mails == 2) {
          ++hangups;
          return;
        }
        if (!c.write("250 2.1.0 Ok\r\n")) return;
      } else if (cmd.rfind("DATA", 0) == 0) {
        if (!c.write("354 go\r\n")) return;
        for (;;) {
          auto l = c.read_line();
          if (!l || *l == ".\r") break;
        }
        ++delivered;
        if (!c.write("250 2.0.0 Ok: queued as FLAKY\r\n")) return;
      } else if (cmd.rfind("QUIT", 0) == 0) {
        c.write("221 2.0.0 Bye\r\n");
        return;
      } else if (!c.write("250 2.0.0 Ok\r\n")) {
        return;
      }
    }
  });
  Pipeline p("relayhost = [127.0.0.1]:" + std::to_string(server.port()) +
             "\nsmtp_connection_cache_time_limit = 20s\nconnection_cache_ttl_limit = 20s\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "one@example.org"}, kMessage).exit_status == 0);
  REQUIRE(p.instance().log_has("to=<one@example.org>"));
  REQUIRE(p.sendmail({"-f", "root", "two@example.org"}, kMessage).exit_status == 0);
  bool second = master_test::eventually(
      [&] { return p.instance().log().find("to=<two@example.org>") != std::string::npos; },
      std::chrono::seconds(20));
  std::string log = p.instance().log();
  INFO(log);
  REQUIRE(second);
  CHECK(count_of(log, "status=sent (250 2.0.0 Ok: queued as FLAKY)") == 2);
  CHECK(log.find("status=deferred") == std::string::npos);
  CHECK(delivered == 2);
  // The second message did meet the dying connection first.
  CHECK(hangups == 1);
  CHECK(server.connections() == 2);
}
