// End to end: sendmail -> postdrop -> pickup -> cleanup -> qmgr -> local,
// bounce, on a whole instance running the default master.cf (chrooted
// services as Debian ships them), as root. Each test checks what a user sees:
// the mailbox, the queue, the log.
#include <sys/stat.h>

#include <catch.hpp>
#include <filesystem>
#include <string>

#include "tests/integration/pipeline_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;
using pipeline_test::TestUser;

namespace {

const std::string kMessage =
    "Subject: hello\n"
    "\n"
    "first body line\n"
    "From the start of a line\n"
    ".dot line\n";

}  // namespace

TEST_CASE("a message from sendmail to a local user arrives once, with Postfix's headers",
          "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  auto sent = p.sendmail({"-f", "root", "root"}, kMessage);
  REQUIRE(sent.exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.wait_for_messages("root", 1));
  REQUIRE(p.wait_queue_empty());

  std::string box = p.mailbox("root");
  CHECK(box.rfind("From root@mx.example.test  ", 0) == 0);
  CHECK(box.find("\nReturn-Path: <root@mx.example.test>\n") != std::string::npos);
  CHECK(box.find("\nX-Original-To: root\n") != std::string::npos);
  CHECK(box.find("\nDelivered-To: root@mx.example.test\n") != std::string::npos);
  CHECK(box.find("\nReceived: by mx.example.test (Postfix, from userid 0)\n") !=
        std::string::npos);
  CHECK(box.find("\nMessage-Id: <") != std::string::npos);
  CHECK(box.find("\nDate: ") != std::string::npos);
  CHECK(box.find("\nFrom: root <root@mx.example.test>\n") != std::string::npos);
  CHECK(box.find("\nSubject: hello\n") != std::string::npos);
  CHECK(box.find("\n\nfirst body line\n>From the start of a line\n.dot line\n\n") !=
        std::string::npos);
  CHECK(count_of(box, "Subject: hello") == 1);
  // Header order as local writes it: Return-Path, X-Original-To, Delivered-To.
  CHECK(box.find("Return-Path:") < box.find("X-Original-To:"));
  CHECK(box.find("X-Original-To:") < box.find("Delivered-To:"));

  struct stat st {};
  REQUIRE(::stat(p.path("mail/root").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // Log lines travel through postlogd: wait for the last one before reading.
  REQUIRE(p.instance().log_has(": removed"));
  std::string log = p.instance().log();
  CHECK(log.find("postfix/pickup[") != std::string::npos);
  CHECK(log.find(": uid=0 from=<root>") != std::string::npos);
  CHECK(log.find("postfix/cleanup[") != std::string::npos);
  CHECK(log.find(", nrcpt=1 (queue active)") != std::string::npos);
  CHECK(log.find("to=<root@mx.example.test>, orig_to=<root>, relay=local,") != std::string::npos);
  CHECK(log.find("status=sent (delivered to mailbox)") != std::string::npos);
  CHECK(log.find(": removed") != std::string::npos);
}

TEST_CASE("an alias with several users delivers one copy to each", "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  TestUser alice("pstrn-alice", p.path("home/alice"));
  TestUser bob("pstrn-bob", p.path("home/bob"));
  REQUIRE(alice.ok());
  REQUIRE(bob.ok());
  p.write_aliases(
      "postmaster: root\n"
      "team: pstrn-alice,\n"
      "  pstrn-bob, pstrn-alice\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "team"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.wait_for_messages("pstrn-alice", 1));
  REQUIRE(p.wait_for_messages("pstrn-bob", 1));
  REQUIRE(p.wait_queue_empty());
  CHECK(count_of(p.mailbox("pstrn-alice"), "Subject: hello") == 1);
  CHECK(count_of(p.mailbox("pstrn-bob"), "Subject: hello") == 1);
  CHECK(p.mailbox("pstrn-alice").find("\nX-Original-To: team\n") != std::string::npos);
  // frozen_delivered_to: the alias, not the member (as Postfix 3.7.11).
  CHECK(p.mailbox("pstrn-alice").find("\nDelivered-To: team@mx.example.test\n") !=
        std::string::npos);
  CHECK(p.mailbox("pstrn-bob").find("\nDelivered-To: team@mx.example.test\n") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(p.path("mail/pstrn-bob").c_str(), &st) == 0);
  CHECK(st.st_uid == bob.uid());
}

TEST_CASE("a .forward and a Maildir home mailbox are honoured", "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p("home_mailbox = Maildir/\n");
  TestUser fwd("pstrn-fwd", p.path("home/fwd"));
  TestUser dest("pstrn-dest", p.path("home/dest"));
  REQUIRE(fwd.ok());
  REQUIRE(dest.ok());
  p.instance().dir().write("home/fwd/.forward", "pstrn-dest\n");
  REQUIRE(::chown(p.path("home/fwd/.forward").c_str(), fwd.uid(), fwd.gid()) == 0);
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "pstrn-fwd"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  std::string new_dir = p.path("home/dest/Maildir/new");
  REQUIRE(master_test::eventually(
      [&] {
        return std::filesystem::exists(new_dir) && !std::filesystem::is_empty(new_dir);
      },
      std::chrono::seconds(20)));
  REQUIRE(p.wait_queue_empty());
  size_t files = 0;
  std::string content;
  for (const auto& e : std::filesystem::directory_iterator(new_dir)) {
    ++files;
    content = pipeline_test::read_file(e.path());
    struct stat st {};
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    CHECK(st.st_uid == dest.uid());
    CHECK((st.st_mode & 0777) == 0600);
  }
  CHECK(files == 1);
  CHECK(content.rfind("Return-Path: <root@mx.example.test>\n", 0) == 0);
  CHECK(content.find("\nFrom the start of a line\n") != std::string::npos);  // no >From in Maildir
  CHECK_FALSE(std::filesystem::exists(p.path("home/fwd/Maildir/new")));
  CHECK(p.instance().log_has("status=sent (delivered to maildir)"));
}

TEST_CASE("mail to a missing user bounces back to the sender", "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "pstrn-nosuchuser"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(p.wait_for_messages("root", 1));
  REQUIRE(p.wait_queue_empty());
  std::string box = p.mailbox("root");
  CHECK(box.rfind("From MAILER-DAEMON  ", 0) == 0);
  CHECK(box.find("\nSubject: Undelivered Mail Returned to Sender\n") != std::string::npos);
  CHECK(box.find("unknown user: \"pstrn-nosuchuser\"") != std::string::npos);
  CHECK(box.find("Status: 5.1.1") != std::string::npos);
  REQUIRE(p.instance().log_has("sender non-delivery notification: "));
  std::string log = p.instance().log();
  CHECK(log.find("status=bounced (unknown user: \"pstrn-nosuchuser\")") != std::string::npos);
  CHECK(log.find("sender non-delivery notification: ") != std::string::npos);
}

TEST_CASE("an unreadable alias table makes mail wait, never bounce", "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  // A .db that is not a Berkeley DB file: the lookup fails, it does not say "not found".
  p.instance().dir().write("aliases.db", "this is not a database\n");
  REQUIRE(p.sendmail({"-f", "root", "root"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(master_test::eventually([&] { return p.queue_count("deferred") == 1; },
                                  std::chrono::seconds(20)));
  CHECK(p.mailbox("root").empty());
  REQUIRE(p.instance().log_has("status=deferred"));
  std::string log = p.instance().log();
  CHECK(log.find("status=deferred") != std::string::npos);
  CHECK(log.find("status=bounced") == std::string::npos);
  CHECK(log.find("non-delivery notification") == std::string::npos);

  // Fixed table + flush: delivered.
  REQUIRE(p.newaliases().exit_status == 0);
  REQUIRE(test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"}).exit_status == 0);
  REQUIRE(p.wait_for_messages("root", 1));
  REQUIRE(p.wait_queue_empty());
}

TEST_CASE("a corrupt queue file goes to corrupt/ with a log line", "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  // A finished (0700) file in incoming/ that is not a queue file.
  std::string bad = p.path("queue/incoming/ABCDE12345");
  {
    std::ofstream out(bad, std::ios::binary);
    out << "garbage that is no record stream";
  }
  ::chmod(bad.c_str(), 0700);
  struct passwd* pw = ::getpwnam("postfix");
  REQUIRE(pw != nullptr);
  REQUIRE(::chown(bad.c_str(), pw->pw_uid, pw->pw_gid) == 0);
  REQUIRE(test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"}).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(master_test::eventually(
      [&] { return std::filesystem::exists(p.path("queue/corrupt/ABCDE12345")); },
      std::chrono::seconds(20)));
  CHECK(!std::filesystem::exists(bad));
  // The warning travels through postlogd, so it may land after the rename.
  CHECK(master_test::eventually(
      [&] { return p.instance().log().find("ABCDE12345") != std::string::npos; },
      std::chrono::seconds(10)));
  // The system goes on: the next message is delivered.
  REQUIRE(p.sendmail({"-f", "root", "root"}, kMessage).exit_status == 0);
  REQUIRE(p.wait_for_messages("root", 1));
}

TEST_CASE("mail for a transport whose daemon is not built waits in the queue with a reason",
          "[pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  // smtp (issue 5) may not exist yet: then remote mail must wait, never
  // bounce, and master must keep running. Once smtp exists this test sends
  // to a transport that never exists.
  Pipeline p("transport_maps = inline:{ far.example = nosuchdaemon: }\n");
  p.instance().write_master_cf(pipeline_test::default_master_cf() +
                               "nosuchdaemon unix - - n - - nosuchdaemon\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "someone@far.example"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(master_test::eventually([&] { return p.queue_count("deferred") == 1; },
                                  std::chrono::seconds(30)));
  REQUIRE(p.instance().log_has("status=deferred"));
  std::string log = p.instance().log();
  CHECK(log.find("to=<someone@far.example>") != std::string::npos);
  CHECK(log.find("status=deferred") != std::string::npos);
  CHECK(log.find("status=bounced") == std::string::npos);
  auto listing = test::run({test::command("postqueue"), "-c", p.config_dir(), "-p"});
  CHECK(listing.out.find("someone@far.example") != std::string::npos);
  CHECK(listing.out.find("(") != std::string::npos);  // the reason line
  CHECK(master_test::process_alive(*p.instance().master_pid()));
}
