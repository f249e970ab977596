// smtpd's restriction engine through the real server: a whole instance
// (master, smtpd chrooted as Debian ships it, proxymap for the default
// local_recipient_maps), real clients from 127.0.0.1 (outside mynetworks)
// and swaks bound to 127.0.0.2 (inside), replies and log lines as
// Postfix 3.7.11 gives them for the same configuration.
#include <catch.hpp>
#include <filesystem>

#include "tests/integration/smtpd_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;

namespace {

std::string reply_of(util::Result<test::SmtpReplyLines> r) {
  return r ? r->last() : "(error: " + r.error().message + ")";
}

}  // namespace

TEST_CASE("smtpd refuses relaying, unknown local users and access-map rejects as Postfix",
          "[smtpd][restrictions][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtpd_test::SmtpdOptions o;
  o.main_cf =
      "mynetworks = 127.0.0.2/32\n"
      "relay_domains = sub.example.net\n";
  SmtpdInstance s(o);
  // The access table, built by our postmap, named in main.cf afterwards.
  std::string access = s.instance().dir().write("access",
                                                "sub.example.net REJECT text\n"
                                                "ok.sub.example.net OK\n");
  auto pm = test::run({test::command("postmap"), "-c", s.instance().path(), "hash:" + access});
  REQUIRE(pm.exit_status == 0);
  s.instance().dir().write("main.cf", s.instance().dir().read("main.cf") +
                                          "smtpd_recipient_restrictions = check_recipient_access "
                                          "hash:" +
                                          access + "\n");
  REQUIRE(s.start().exit_status == 0);

  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  CHECK(reply_of(c->command("MAIL FROM:<sender@example.org>")) == "250 2.1.0 Ok");
  CHECK(reply_of(c->command("RCPT TO:<someone@elsewhere.example>")) ==
        "454 4.7.1 <someone@elsewhere.example>: Relay access denied");
  CHECK(reply_of(c->command("RCPT TO:<nosuchuser@mx.example.test>")) ==
        "550 5.1.1 <nosuchuser@mx.example.test>: Recipient address rejected: User unknown in "
        "local recipient table");
  CHECK(reply_of(c->command("RCPT TO:<full@sub.example.net>")) ==
        "554 5.7.1 <full@sub.example.net>: Recipient address rejected: text");
  CHECK(reply_of(c->command("RCPT TO:<x@ok.sub.example.net>")) == "250 2.1.5 Ok");
  CHECK(reply_of(c->command("RCPT TO:<root@mx.example.test>")) == "250 2.1.5 Ok");
  CHECK(reply_of(c->command("QUIT")).rfind("221", 0) == 0);

  CHECK(s.log_has("NOQUEUE: reject: RCPT from "));
  CHECK(
      s.log_has("[127.0.0.1]: 454 4.7.1 <someone@elsewhere.example>: Relay access denied; "
                "from=<sender@example.org> to=<someone@elsewhere.example> proto=ESMTP "
                "helo=<client.example.org>"));
  CHECK(
      s.log_has("554 5.7.1 <full@sub.example.net>: Recipient address rejected: text; "
                "from=<sender@example.org> to=<full@sub.example.net> proto=ESMTP "
                "helo=<client.example.org>"));
  CHECK(
      s.log_has("550 5.1.1 <nosuchuser@mx.example.test>: Recipient address rejected: User "
                "unknown in local recipient table; from=<sender@example.org> "
                "to=<nosuchuser@mx.example.test> proto=ESMTP helo=<client.example.org>"));

  // A client in mynetworks may relay (swaks bound to 127.0.0.2).
  if (!test::skip_without("swaks", "relaying from 127.0.0.2 needs a client bound to it")) {
    test::RunOptions ro;
    ro.timeout_seconds = 30;
    auto r = test::run(
        {"swaks", "--server", "127.0.0.1", "--port", std::to_string(s.port()), "--local-interface",
         "127.0.0.2", "--helo", "client.example.org", "--from", "sender@example.org", "--to",
         "someone@elsewhere.example", "--quit-after", "RCPT"},
        ro);
    INFO(r.out << r.err);
    CHECK(r.out.find("<-  250 2.1.5 Ok") != std::string::npos);
  }
}

TEST_CASE("smtpd answers VRFY of an unknown local user from the recipient checks",
          "[smtpd][restrictions][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  CHECK(reply_of(c->command("VRFY nosuchuser")) ==
        "550 5.1.1 <nosuchuser>: Recipient address rejected: User unknown in local recipient "
        "table");
  CHECK(s.log_has("reject: VRFY from "));
}

TEST_CASE("an access-map HOLD puts the message on hold and PREPEND adds the header",
          "[smtpd][restrictions][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtpd_test::SmtpdOptions o;
  o.main_cf =
      "smtpd_recipient_restrictions = check_sender_access "
      "inline:{{held@example.org=HOLD}, {tagged@example.org=PREPEND X-Tagged: yes}}, "
      "permit_mynetworks, reject_unauth_destination\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  auto r = c->send_message("held@example.org", {"root@mx.example.test"}, "Subject: held\n\nx\n");
  REQUIRE(r);
  CHECK(r->code == 250);
  r = c->send_message("tagged@example.org", {"root@mx.example.test"}, "Subject: tagged\n\ny\n");
  REQUIRE(r);
  CHECK(r->code == 250);
  c->command("QUIT");
  CHECK(s.log_has("hold: RCPT from "));
  CHECK(
      s.log_has("<held@example.org>: Sender address triggers HOLD action; "
                "from=<held@example.org> to=<root@mx.example.test> proto=ESMTP "
                "helo=<client.example.org>"));
  CHECK(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  CHECK(box.find("X-Tagged: yes") != std::string::npos);
  CHECK(box.find("Subject: held") == std::string::npos);
  // The held message waits in hold/.
  bool held = master_test::eventually([&] {
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(s.instance().dir().file("queue/hold"), ec))
      if (e.is_regular_file()) return true;
    return false;
  });
  CHECK(held);
}

TEST_CASE("a HOLD found at a later recipient still puts the message on hold",
          "[smtpd][restrictions][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtpd_test::SmtpdOptions o;
  // root is accepted first (cleanup is open by then); postmaster triggers HOLD.
  o.main_cf =
      "smtpd_recipient_restrictions = check_recipient_access "
      "inline:{{postmaster@mx.example.test=HOLD}}, permit_mynetworks, "
      "reject_unauth_destination\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  auto r =
      c->send_message("sender@example.org", {"root@mx.example.test", "postmaster@mx.example.test"},
                      "Subject: held late\n\nx\n");
  REQUIRE(r);
  CHECK(r->code == 250);
  c->command("QUIT");
  CHECK(s.log_has("<postmaster@mx.example.test>: Recipient address triggers HOLD action; "));
  bool held = master_test::eventually([&] {
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(s.instance().dir().file("queue/hold"), ec))
      if (e.is_regular_file()) return true;
    return false;
  });
  CHECK(held);
  CHECK(s.mailbox("root").find("Subject: held late") == std::string::npos);
}
