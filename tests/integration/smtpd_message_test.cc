// smtpd under master: messages through the whole instance (smtpd ->
// cleanup -> qmgr -> local): swaks to a local mailbox, the Received header,
// the queue-file records smtpd hands to cleanup (DSN, client attributes),
// DATA dot-unstuffing and long lines, BDAT. They need an accepted RCPT, so
// they carry [restrictions] until the restriction engine replaces the
// placeholder that refuses every recipient.
#include <catch.hpp>
#include <regex>
#include <string>

#include "tests/integration/smtpd_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;
using smtpd_test::SmtpdOptions;

namespace {

std::string ask(test::SmtpClient& c, const std::string& line) {
  auto r = c.command(line);
  return r ? r->text() : "(no reply: " + r.error().message + ")";
}

}  // namespace

TEST_CASE("a message from swaks to a local user arrives in the mbox with smtpd's Received header",
          "[smtpd][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("swaks", "the real SMTP client")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  test::RunOptions o;
  o.timeout_seconds = 60;
  auto r = test::run(
      {"swaks", "--server", "127.0.0.1", "--port", std::to_string(s.port()), "--helo",
       "client.example.org", "--from", "sender@example.org", "--to", "root@mx.example.test",
       "--header", "Subject: swaks to root", "--body", "hello from swaks", "--timeout", "30"},
      o);
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  std::smatch m;
  std::regex queued("250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)");
  REQUIRE(std::regex_search(r.out, m, queued));
  std::string qid = m[1];
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box);
  CHECK(box.find("Received: from client.example.org (unknown [127.0.0.1])\n"
                 "\tby mx.example.test (Postfix) with ESMTP id " +
                 qid + "\n\tfor <root@mx.example.test>; ") != std::string::npos);
  CHECK(box.find("Subject: swaks to root\n") != std::string::npos);
  CHECK(box.find("\nhello from swaks\n") != std::string::npos);
  INFO(s.log());
  CHECK(s.log_has(qid + ": client=unknown[127.0.0.1]"));
  CHECK(
      s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
                "commands=5"));
}

TEST_CASE("smtpd hands cleanup Postfix's envelope records: DSN, client attributes, Received",
          "[smtpd][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  test::TempDir tables;
  std::string checks = tables.write("header_checks", "/^Subject: HOLDME/ HOLD\n");
  SmtpdOptions o;
  o.main_cf = "header_checks = regexp:" + checks + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org").rfind("250-mx.example.test", 0) == 0);
  CHECK(ask(*c, "MAIL FROM:<sender@example.org> BODY=8BITMIME RET=HDRS ENVID=ab+2Bc") ==
        "250 2.1.0 Ok");
  CHECK(ask(*c,
            "RCPT TO:<root@mx.example.test> NOTIFY=SUCCESS,DELAY "
            "ORCPT=rfc822;Root@Example.test") == "250 2.1.5 Ok");
  CHECK(ask(*c, "RCPT TO:<postmaster@mx.example.test>") == "250 2.1.5 Ok");
  CHECK(ask(*c, "DATA") == "354 End data with <CR><LF>.<CR><LF>");
  auto done = (c->send_raw("Subject: HOLDME records\r\n\r\nbody\r\n.\r\n"), c->read_reply());
  REQUIRE(done);
  auto qid = test::queued_as(*done);
  REQUIRE(qid);
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  std::string held = s.instance().dir().file("queue/hold/" + *qid);
  REQUIRE(master_test::eventually([&] { return std::filesystem::exists(held); }));
  auto cat = test::run({test::command("postcat"), "-c", s.instance().path(), "-q", *qid});
  INFO(cat.out << cat.err);
  REQUIRE(cat.exit_status == 0);
  const std::string& t = cat.out;
  CHECK(t.find("named_attribute: log_ident=" + *qid + "\n") != std::string::npos);
  CHECK(t.find("named_attribute: rewrite_context=local\n") != std::string::npos);
  CHECK(t.find("named_attribute: envelope_id=ab+c\n") != std::string::npos);
  CHECK(t.find("named_attribute: ret_flags=2\n") != std::string::npos);
  CHECK(t.find("sender: sender@example.org\nnamed_attribute: encoding=8bit\n") !=
        std::string::npos);
  CHECK(t.find("named_attribute: log_message_origin=unknown[127.0.0.1]\n") != std::string::npos);
  CHECK(t.find("named_attribute: log_helo_name=client.example.org\n") != std::string::npos);
  CHECK(t.find("named_attribute: protocol_name=ESMTP\n") != std::string::npos);
  CHECK(t.find("named_attribute: client_address_type=2\n") != std::string::npos);
  CHECK(t.find("named_attribute: notify_flags=10\nnamed_attribute: "
               "dsn_orig_rcpt=rfc822;Root@Example.test\n") != std::string::npos);
  CHECK(t.find("recipient: root@mx.example.test\n") != std::string::npos);
  CHECK(t.find("recipient: postmaster@mx.example.test\n") != std::string::npos);
  // Two recipients: no "for <...>" clause, the date on its own line.
  CHECK(t.find("Received: from client.example.org (unknown [127.0.0.1])\n"
               "\tby mx.example.test (Postfix) with ESMTP id " +
               *qid + ";\n\t") != std::string::npos);
}

TEST_CASE("smtpd unstuffs dots, keeps long lines whole and accepts BDAT chunks",
          "[smtpd][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org").rfind("250-", 0) == 0);
  std::string long_line(5000, 'x');
  auto r = c->send_message("sender@example.org", {"root@mx.example.test"},
                           "Subject: dots\n\n.leading dot\n..\n" + long_line + "\nend\n");
  REQUIRE(r);
  CHECK(r->code == 250);
  // BDAT: two chunks, a CRLF split between them, then an empty LAST.
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
  std::string part1 = "Subject: chunked\r\n\r\nfirst line\r";
  std::string part2 = "\nsecond line\r\n.not stuffed\r\n";
  REQUIRE(c->send_raw("BDAT " + std::to_string(part1.size()) + "\r\n" + part1));
  auto b1 = c->read_reply();
  REQUIRE(b1);
  CHECK(b1->text() == "250 2.0.0 Ok: " + std::to_string(part1.size()) + " bytes");
  REQUIRE(c->send_raw("BDAT " + std::to_string(part2.size()) + "\r\n" + part2));
  auto b2 = c->read_reply();
  REQUIRE(b2);
  CHECK(b2->text() == "250 2.0.0 Ok: " + std::to_string(part1.size() + part2.size()) + " bytes");
  auto b3 = c->command("BDAT 0 LAST");
  REQUIRE(b3);
  CHECK(b3->text().rfind(
            "250 2.0.0 Ok: " + std::to_string(part1.size() + part2.size()) + " bytes queued as ",
            0) == 0);
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  REQUIRE(s.wait_for_messages("root", 2));
  std::string box = s.mailbox("root");
  INFO(box.substr(0, 4000));
  // The client stuffed the dots; the server took them out again.
  CHECK(box.find("\n.leading dot\n..\n" + long_line + "\nend\n") != std::string::npos);
  CHECK(box.find("\nfirst line\nsecond line\n.not stuffed\n") != std::string::npos);
  CHECK(
      s.log_has("disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2 data=1 bdat=3 quit=1 "
                "commands=10"));
}

TEST_CASE("smtp-source with several sessions queues every message once", "[smtpd][restrictions]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("/usr/sbin/smtp-source", "Postfix's SMTP load generator")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  test::RunOptions o;
  o.timeout_seconds = 120;
  auto r = test::run(
      {"/usr/sbin/smtp-source", "-s", "4", "-m", "40", "-l", "2000", "-f", "sender@example.org",
       "-t", "root@mx.example.test", "127.0.0.1:" + std::to_string(s.port())},
      o);
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  REQUIRE(s.wait_for_messages("root", 40));
  std::string box = s.mailbox("root");
  size_t received = 0;
  for (size_t at = box.find("\nReceived: from "); at != std::string::npos;
       at = box.find("\nReceived: from ", at + 1))
    ++received;
  CHECK(received == 40);
  CHECK(s.pipeline().wait_queue_empty());
}
