// smtpd limits and hostile input under master: error limits, timeouts,
// junk commands, long lines, NUL bytes, garbage, forbidden commands,
// pipelining floods, message size and recipient limits, and every SMTP
// smuggling form. After each case the service still answers the next
// client. Cases that need an accepted RCPT carry [restrictions].
#include <catch.hpp>
#include <chrono>
#include <string>

#include "tests/integration/smtpd_fixture.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;
using smtpd_test::SmtpdOptions;

namespace {

std::string ask(test::SmtpClient& c, const std::string& line) {
  auto r = c.command(line);
  return r ? r->text() : "(no reply: " + r.error().message + ")";
}

// The service is alive: a new client gets the banner and a NOOP answer.
bool next_client_served(SmtpdInstance& s) {
  test::SmtpReplyLines banner;
  auto c = s.connect(&banner);
  if (!c || banner.text() != "220 mx.example.test ESMTP Postfix") return false;
  return ask(*c, "NOOP") == "250 2.0.0 Ok" && ask(*c, "QUIT") == "221 2.0.0 Bye";
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// One smuggling attempt: a message whose text holds a fake end of data and
// a second transaction. Exactly one more message must be queued, holding it all.
void check_smuggling(SmtpdInstance& s, const std::string& fake_end, size_t expect_messages) {
  INFO("fake end of data: " << (fake_end == "\n.\n" ? "LF.LF" : "other") << " #"
                            << expect_messages);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org").rfind("250-", 0) == 0);
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
  CHECK(ask(*c, "DATA") == "354 End data with <CR><LF>.<CR><LF>");
  std::string smuggled = "Subject: outer\r\n\r\nouter body" + fake_end +
                         "MAIL FROM:<evil@example.org>\r\nRCPT TO:<root@mx.example.test>\r\n"
                         "DATA\r\nSubject: smuggled\r\n\r\ninner\r\n.\r\n";
  REQUIRE(c->send_raw(smuggled));
  auto r = c->read_reply();
  REQUIRE(r);
  CHECK(test::queued_as(*r).has_value());
  // Nothing else was answered: the next reply is the one to QUIT.
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  REQUIRE(s.wait_for_messages("root", expect_messages));
  std::string box = s.mailbox("root");
  INFO(box);
  // One message per attempt, each holding the whole text.
  CHECK(count(box, "\nSubject: outer\n") == expect_messages);
  CHECK(count(box, "Subject: smuggled") == expect_messages);
  CHECK(count(box, "MAIL FROM:<evil@example.org>") == expect_messages);
  CHECK(count(box, "\n\nFrom ") + 1 == expect_messages);
}

}  // namespace

TEST_CASE("smtpd_hard_error_limit ends the session with 421 4.7.0 too many errors",
          "[smtpd][limits]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_hard_error_limit=3"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "FOO") == "500 5.5.2 Error: command not recognized");
  CHECK(ask(*c, "BAR") == "500 5.5.2 Error: command not recognized");
  // The third error's reply is followed at once by the 421.
  REQUIRE(c->send_line("BAZ"));
  auto r3 = c->read_reply();
  REQUIRE(r3);
  CHECK(r3->text() == "500 5.5.2 Error: command not recognized");
  auto r4 = c->read_reply();
  REQUIRE(r4);
  CHECK(r4->text() == "421 4.7.0 mx.example.test Error: too many errors");
  CHECK(c->closed_within(std::chrono::seconds(5)));
  INFO(s.log());
  CHECK(s.log_has("too many errors after UNKNOWN from unknown[127.0.0.1]"));
  CHECK(s.log_has("disconnect from unknown[127.0.0.1] unknown=0/3 commands=0/3"));
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd_soft_error_limit delays replies by smtpd_error_sleep_time", "[smtpd][limits]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.main_cf = "smtpd_soft_error_limit = 2\n";
  o.smtpd_options = {"smtpd_error_sleep_time=2s"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  auto timed = [&](const std::string& line) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = ask(*c, line);
    return std::make_pair(r, std::chrono::steady_clock::now() - t0);
  };
  auto [a, ta] = timed("FOO");
  CHECK(a == "500 5.5.2 Error: command not recognized");
  CHECK(ta < std::chrono::milliseconds(1500));
  timed("FOO");
  auto [b, tb] = timed("NOOP");  // two errors so far: every reply now waits
  CHECK(b == "250 2.0.0 Ok");
  CHECK(tb >= std::chrono::milliseconds(1900));
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd_timeout: an idle client gets 421 4.4.2 timeout exceeded", "[smtpd][limits]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_timeout=2s"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org").rfind("250-mx.example.test", 0) == 0);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c->read_reply();
  REQUIRE(r);
  CHECK(r->text() == "421 4.4.2 mx.example.test Error: timeout exceeded");
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(1500));
  CHECK(c->closed_within(std::chrono::seconds(5)));
  CHECK(s.log_has("timeout after EHLO from unknown[127.0.0.1]"));
  CHECK(s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 commands=1"));
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd_junk_command_limit turns NOOP/RSET/VRFY floods into errors", "[smtpd][limits]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_junk_command_limit=3", "smtpd_hard_error_limit=2"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  for (int i = 0; i < 5; ++i) CHECK(ask(*c, "NOOP") == "250 2.0.0 Ok");
  // As Postfix, a junk command counts as an error once more than the limit
  // came before it: the fifth and sixth here, reaching the limit of 2.
  REQUIRE(c->send_line("NOOP"));
  auto r = c->read_reply();
  REQUIRE(r);
  CHECK(r->text() == "250 2.0.0 Ok");
  auto r2 = c->read_reply();
  REQUIRE(r2);
  CHECK(r2->text() == "421 4.7.0 mx.example.test Error: too many errors");
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd survives long lines, NUL bytes, binary garbage and non-SMTP commands",
          "[smtpd][hostile]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  {
    // A 10 MB command line: the first line_length_limit bytes are the command.
    auto c = s.connect();
    REQUIRE(c);
    REQUIRE(c->send_raw("EHLO " + std::string(10 * 1024 * 1024, 'x') + "\r\n"));
    auto r = c->read_reply();
    REQUIRE(r);
    CHECK(r->lines.front() == "250-mx.example.test");
    CHECK(ask(*c, "NOOP") == "250 2.0.0 Ok");
    CHECK(ask(*c, std::string("HELO a\0b", 8)) == "250 mx.example.test");
    CHECK(ask(*c, std::string("NO\0OP", 5)) == "500 5.5.2 Error: command not recognized");
    CHECK(ask(*c, "") == "500 5.5.2 Error: bad syntax");
    CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
    CHECK(
        s.log_has("warning: unknown[127.0.0.1]: request longer than 2048: EHLO "
                  "xxxxxxxxxxxxxxxxxxxxxxxxx..."));
  }
  CHECK(next_client_served(s));
  {
    // Binary garbage without any newline, then the peer goes away.
    auto c = s.connect();
    REQUIRE(c);
    std::string junk;
    for (unsigned i = 0; i < 300000; ++i) junk += static_cast<char>((i * 7919u) % 251u + 1u);
    for (auto& ch : junk)
      if (ch == '\n') ch = ' ';
    (void)c->send_raw(junk);
  }
  CHECK(next_client_served(s));
  {
    auto c = s.connect();
    REQUIRE(c);
    CHECK(ask(*c, "GET / HTTP/1.0") == "221 2.7.0 Error: I can break rules, too. Goodbye.");
    CHECK(c->closed_within(std::chrono::seconds(5)));
    CHECK(s.log_has("warning: non-SMTP command from unknown[127.0.0.1]: GET / HTTP/1.0"));
  }
  {
    auto c = s.connect();
    REQUIRE(c);
    CHECK(ask(*c, "Subject: hello") == "221 2.7.0 Error: I can break rules, too. Goodbye.");
    CHECK(c->closed_within(std::chrono::seconds(5)));
  }
  {
    auto c = s.connect();
    REQUIRE(c);
    CHECK(ask(*c, "123 x") == "221 2.7.0 Error: I can break rules, too. Goodbye.");
  }
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd answers a pipelined flood in order and keeps serving", "[smtpd][hostile]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_junk_command_limit=100000"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  std::string flood = "EHLO client.example.org\r\n";
  for (int i = 0; i < 5000; ++i) flood += "NOOP\r\n";
  flood += "QUIT\r\n";
  REQUIRE(c->send_raw(flood));
  auto ehlo = c->read_reply();
  REQUIRE(ehlo);
  CHECK(ehlo->code == 250);
  int noops = 0;
  for (int i = 0; i < 5000; ++i) {
    auto r = c->read_reply();
    if (!r || r->text() != "250 2.0.0 Ok") break;
    ++noops;
  }
  CHECK(noops == 5000);
  auto bye = c->read_reply();
  REQUIRE(bye);
  CHECK(bye->text() == "221 2.0.0 Bye");
  CHECK(next_client_served(s));
}

TEST_CASE("smtpd enforces message_size_limit on the data and smtpd_recipient_limit",
          "[smtpd][limits][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"message_size_limit=2000", "smtpd_recipient_limit=2"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org").find("250-SIZE 2000\n") != std::string::npos);
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
  CHECK(ask(*c, "RCPT TO:<postmaster@mx.example.test>") == "250 2.1.5 Ok");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "452 4.5.3 Error: too many recipients");
  CHECK(ask(*c, "DATA") == "354 End data with <CR><LF>.<CR><LF>");
  std::string body = "Subject: too big\r\n\r\n";
  for (int i = 0; i < 40; ++i) body += std::string(70, 'y') + "\r\n";
  REQUIRE(c->send_raw(body + ".\r\n"));
  auto r = c->read_reply();
  REQUIRE(r);
  CHECK(r->text() == "552 5.3.4 Error: message file too big");
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  CHECK(
      s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=3 data=0/1 quit=1 "
                "commands=6/7"));
  CHECK(next_client_served(s));
}

TEST_CASE("SMTP smuggling: bare LF, bare CR, <LF>.<CR><LF> and <CR>.<CR> never end a message",
          "[smtpd][hostile][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  check_smuggling(s, "\n.\n", 1);
  check_smuggling(s, "\r\n.\n", 2);
  check_smuggling(s, "\n.\r\n", 3);
  check_smuggling(s, "\r.\r", 4);
  check_smuggling(s, "\r.\r\n", 5);
  check_smuggling(s, "\r\n.\r", 6);
  CHECK(next_client_served(s));
}

TEST_CASE("a client that goes away inside DATA or BDAT is logged with the bytes received",
          "[smtpd][limits][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  {
    auto c = s.connect();
    REQUIRE(c);
    CHECK(ask(*c, "EHLO client.example.org").rfind("250-", 0) == 0);
    CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
    CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
    CHECK(ask(*c, "DATA") == "354 End data with <CR><LF>.<CR><LF>");
    REQUIRE(c->send_raw("Subject: x\r\n\r\nabc\r\n"));
  }
  INFO(s.log());
  CHECK(s.log_has("lost connection after DATA (19 bytes) from unknown[127.0.0.1]"));
  CHECK(s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4"));
  {
    auto c = s.connect();
    REQUIRE(c);
    CHECK(ask(*c, "EHLO client.example.org").rfind("250-", 0) == 0);
    CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
    CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
    REQUIRE(c->send_raw("BDAT 100\r\nabc"));
  }
  CHECK(s.log_has("lost connection after BDAT (3 bytes) from unknown[127.0.0.1]"));
  CHECK(s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 bdat=0/1 commands=3/4"));
  // Nothing of either message stayed in the queue.
  CHECK(s.pipeline().wait_queue_empty(std::chrono::seconds(10), true));
  CHECK(next_client_served(s));
}
