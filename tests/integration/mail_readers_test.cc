// What users read their mail with, on what our local delivered: Dovecot's
// IMAP server (run pre-authenticated as the user, as over ssh) on the mbox
// in mail_spool_directory and on ~/Maildir/, and bsd-mailx's `mail -f` on
// the mbox. Each must see every message, split where it was delivered.
#include <catch.hpp>
#include <filesystem>
#include <string>

#include "tests/integration/pipeline_fixture.h"

using pipeline_test::Pipeline;
using pipeline_test::TestUser;

namespace {

const std::string kImap = "/usr/lib/dovecot/imap";

std::string message(const std::string& subject) {
  return "Subject: " + subject +
         "\n"
         "\n"
         "first body line\n"
         "From the start of a line\n"
         ".dot line\n";
}

// Dovecot's imap binary on the user's mail at `location`, with an IMAP
// script on its stdin; returns what it answered.
std::string dovecot_imap(Pipeline& p, const TestUser& user, const std::string& location,
                         const std::string& script) {
  p.instance().dir().write("dovecot.conf", "base_dir = " + p.path("dovecot-run") +
                                               "\n"
                                               "ssl = no\n"
                                               "mail_location = " +
                                               location + "\n");
  test::RunOptions o;
  o.stdin_text = script;
  o.timeout_seconds = 30;
  auto r = test::run(
      {"setpriv", "--reuid=" + std::to_string(user.uid()), "--regid=" + std::to_string(user.gid()),
       "--clear-groups", "env", "USER=" + user.name(), "HOME=" + p.path("home/" + user.name()),
       kImap, "-c", p.path("dovecot.conf")},
      o);
  INFO(r.err);
  CHECK(r.exit_status == 0);
  return r.out;
}

const std::string kScript =
    "a SELECT INBOX\r\n"
    "b FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n"
    "c FETCH 2 BODY.PEEK[TEXT]\r\n"
    "d LOGOUT\r\n";

bool skip() {
  return test::skip_unless_root("a whole instance switches users") ||
         test::skip_without(kImap, "Dovecot's IMAP server (dovecot-imapd, scripts/deps.sh)") ||
         test::skip_without("setpriv", "setpriv runs the reader as the user");
}

}  // namespace

TEST_CASE("Dovecot and mail read the mbox local delivered, message by message",
          "[pipeline][readers]") {
  if (skip()) return;
  if (test::skip_without("/usr/bin/bsd-mailx", "bsd-mailx is the `mail` reader")) return;
  Pipeline p;
  TestUser user("pstrn-reader", p.path("home/pstrn-reader"));
  REQUIRE(user.ok());
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", user.name()}, message("first of two")).exit_status == 0);
  REQUIRE(p.wait_for_messages(user.name(), 1));
  REQUIRE(p.sendmail({"-f", "root", user.name()}, message("second of two")).exit_status == 0);
  REQUIRE(p.wait_for_messages(user.name(), 2));
  INFO(p.mailbox(user.name()));

  std::string imap =
      dovecot_imap(p, user, "mbox:~/mail:INBOX=" + p.path("mail/" + user.name()), kScript);
  INFO(imap);
  CHECK(imap.find("* 2 EXISTS") != std::string::npos);
  CHECK(imap.find("Subject: first of two") != std::string::npos);
  CHECK(imap.find("Subject: second of two") != std::string::npos);
  // mbox keeps Postfix's ">From " quoting; the rest of the body is intact.
  CHECK(imap.find("first body line\r\n>From the start of a line\r\n.dot line\r\n") !=
        std::string::npos);
  CHECK(imap.find("d OK Logout") != std::string::npos);

  // `mail -f`: the header summary lists both messages ('x' leaves the file alone).
  test::RunOptions o;
  o.stdin_text = "h\nx\n";
  auto mailx = test::run({"/usr/bin/bsd-mailx", "-f", p.path("mail/" + user.name())}, o);
  INFO(mailx.out << mailx.err);
  CHECK(mailx.out.find(": 2 messages") != std::string::npos);
  CHECK(mailx.out.find("first of two") != std::string::npos);
  CHECK(mailx.out.find("second of two") != std::string::npos);
}

TEST_CASE("Dovecot reads the Maildir local delivered", "[pipeline][readers]") {
  if (skip()) return;
  Pipeline p("home_mailbox = Maildir/\n");
  TestUser user("pstrn-reader", p.path("home/pstrn-reader"));
  REQUIRE(user.ok());
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", user.name()}, message("first of two")).exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", user.name()}, message("second of two")).exit_status == 0);
  std::string new_dir = p.path("home/pstrn-reader/Maildir/new");
  REQUIRE(master_test::eventually(
      [&] {
        if (!std::filesystem::exists(new_dir)) return false;
        auto it = std::filesystem::directory_iterator(new_dir);
        return std::distance(it, std::filesystem::directory_iterator()) == 2;
      },
      std::chrono::seconds(20)));

  std::string imap = dovecot_imap(p, user, "maildir:~/Maildir", kScript);
  INFO(imap);
  CHECK(imap.find("* 2 EXISTS") != std::string::npos);
  CHECK(imap.find("Subject: first of two") != std::string::npos);
  CHECK(imap.find("Subject: second of two") != std::string::npos);
  // No quoting in a Maildir.
  CHECK(imap.find("first body line\r\nFrom the start of a line\r\n.dot line\r\n") !=
        std::string::npos);
  CHECK(imap.find("d OK Logout") != std::string::npos);
}
