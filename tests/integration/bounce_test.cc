// The bounce daemon under a real master: appends to bounce/ID and defer/H/ID,
// flushes a bounce log into a non-delivery notice queued through a real
// cleanup, and keeps the log when the notice cannot be queued.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "libmail/bounce_client.h"
#include "libmail/delivery_request.h"
#include "libmail/queue_file.h"
#include "libmail/queue_id.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

const char* const kBounceServices =
    "bounce    unix  -       -       n       -       0       bounce\n"
    "defer     unix  -       -       n       -       0       bounce\n"
    "trace     unix  -       -       n       -       0       bounce\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

const char* const kCleanupService =
    "cleanup   unix  n       -       n       -       0       cleanup\n";

const std::string kQueueId = "B0FE1A74379";

mail::BounceLogEntry failed_entry() {
  mail::BounceLogEntry e;
  e.recipient = "nosuchuser@example.test";
  e.offset = 200;
  e.dsn_orig_rcpt = "rfc822;nosuchuser@example.test";
  e.status = "5.1.1";
  e.action = "failed";
  e.reason = "unknown user: \"nosuchuser\"";
  return e;
}

// An original message in active/, readable by the unprivileged bounce.
void write_original(const master_test::Instance& inst, const std::string& sender) {
  mail::NewMessage m;
  m.arrival_seconds = 1795426509;
  m.create_time = 1795426509;
  m.sender = sender;
  m.recipients.push_back({"nosuchuser@example.test", std::string("nosuchuser@example.test"),
                          std::nullopt, 0, false});
  m.lines = {"Subject: to unknown", "From: Cmp <cmpuser@example.test>",
             "To: nosuchuser@example.test", "", "This will bounce."};
  std::string path = inst.path() + "/queue/active/" + kQueueId;
  inst.dir().write("queue/active/" + kQueueId, mail::build_queue_file(m), 0600);
  if (passwd* pw = ::getpwnam("postfix")) (void)!::chown(path.c_str(), pw->pw_uid, pw->pw_gid);
}

mail::NoticeRequest flush_request(const std::string& sender) {
  mail::NoticeRequest n;
  n.queue_name = "active";
  n.queue_id = kQueueId;
  n.sender = sender;
  return n;
}

std::string socket(const master_test::Instance& inst, const std::string& name) {
  return inst.path() + "/queue/private/" + name;
}

// The queue file of the notice whose ID follows `prefix` in the log.
std::optional<mail::QueueFile> notice_after(const master_test::Instance& inst,
                                            const std::string& prefix) {
  if (!inst.log_has(prefix)) return std::nullopt;
  std::string log = inst.log();
  std::string id = log.substr(log.find(prefix) + prefix.size());
  id = id.substr(0, id.find('\n'));
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(inst.path() + "/queue/incoming")) {
    if (entry.path().filename() == id) {
      auto qf = mail::read_queue_file(entry.path());
      if (qf) return std::move(*qf);
    }
  }
  return std::nullopt;
}

bool has_line(const mail::QueueFile& qf, const std::string& line) {
  auto lines = qf.text_lines();
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("bounce and defer appends land in bounce/ID and defer/H/ID in Postfix's format",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  master_test::Instance inst(kBounceServices);
  REQUIRE(inst.start().exit_status == 0);
  auto e = failed_entry();
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, e, 10s));
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, e, 10s));
  std::string bounce_log = inst.dir().read("queue/bounce/" + kQueueId);
  CHECK(bounce_log == mail::format_bounce_log_entry(e) + mail::format_bounce_log_entry(e));
  struct stat st {};
  REQUIRE(::stat(inst.dir().file("queue/bounce/" + kQueueId).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  e.status = "4.4.1";
  e.action = "delayed";
  REQUIRE(mail::bounce_append(socket(inst, "defer"), kQueueId, e, 10s));
  std::string defer_path =
      "queue/" + mail::queue_file_path("defer", kQueueId, mail::default_hash_queue_names(), 1);
  CHECK(defer_path == "queue/defer/B/" + kQueueId);
  CHECK(inst.dir().read(defer_path) == mail::format_bounce_log_entry(e));
}

TEST_CASE("a malformed append request is refused and writes nothing", "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  master_test::Instance inst(kBounceServices);
  REQUIRE(inst.start().exit_status == 0);
  auto e = failed_entry();
  CHECK_FALSE(mail::bounce_append(socket(inst, "bounce"), "../etc", e, 10s));
  e.reason = "two\nlines";
  CHECK_FALSE(mail::bounce_append(socket(inst, "bounce"), kQueueId, e, 10s));
  CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
}

TEST_CASE("a flush that cannot reach cleanup fails and keeps the bounce log", "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  master_test::Instance inst(kBounceServices);
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
  CHECK_FALSE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
  CHECK(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
}

TEST_CASE("a bounce of a null-sender message is dropped unless notify_classes asks for it",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  master_test::Instance inst(kBounceServices);
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "");
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request(""), 20s));
  CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
  // Nothing logged: flushing a message without a log also succeeds.
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request(""), 20s));
}

TEST_CASE("a flush queues a non-delivery notice from the null sender through cleanup",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  master_test::Instance inst(std::string(kBounceServices) + kCleanupService);
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
  CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
  INFO(inst.log());
  REQUIRE(inst.log_has(kQueueId + ": sender non-delivery notification: "));

  std::string log = inst.log();
  const std::string prefix = kQueueId + ": sender non-delivery notification: ";
  std::string new_id = log.substr(log.find(prefix) + prefix.size());
  new_id = new_id.substr(0, new_id.find('\n'));
  INFO("notice " << new_id << "\n" << log);
  // The notice waits in incoming/ (no qmgr in this instance).
  std::string path;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(inst.path() + "/queue/incoming")) {
    if (entry.path().filename() == new_id) path = entry.path();
  }
  REQUIRE_FALSE(path.empty());
  auto qf = mail::read_queue_file(path);
  REQUIRE(qf);
  CHECK(qf->sender().value_or("?") == "");
  auto rcpts = qf->recipients();
  REQUIRE(rcpts.size() == 1);
  CHECK(rcpts[0].address == "cmpuser@example.test");
  auto lines = qf->text_lines();
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  INFO(all);
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  CHECK(has("Subject: Undelivered Mail Returned to Sender"));
  CHECK(has("From: Mail Delivery System <MAILER-DAEMON@mx.example.test>"));
  CHECK(has("To: cmpuser@example.test"));
  CHECK(has("<nosuchuser@example.test>: unknown user: \"nosuchuser\""));
  CHECK(has("Final-Recipient: rfc822; nosuchuser@example.test"));
  CHECK(has("Status: 5.1.1"));
  CHECK(has("X-Postfix-Queue-ID: " + kQueueId));
  CHECK(has("Return-Path: <cmpuser@example.test>"));
  CHECK(has("This will bounce."));
}

TEST_CASE("warn sends a delay notice from the defer log and keeps the log", "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  master_test::Instance inst(std::string(kBounceServices) + kCleanupService);
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  auto e = failed_entry();
  e.recipient = "far@example.org";
  e.status = "4.4.1";
  e.action = "delayed";
  e.reason = "connect to 127.0.0.1[127.0.0.1]:24999: Connection refused";
  REQUIRE(mail::bounce_append(socket(inst, "defer"), kQueueId, e, 10s));
  REQUIRE(mail::bounce_warn(socket(inst, "defer"), flush_request("cmpuser@example.test"), 20s));
  auto qf = notice_after(inst, kQueueId + ": sender delay notification: ");
  INFO(inst.log());
  REQUIRE(qf);
  CHECK(has_line(*qf, "Subject: Delayed Mail (still being retried)"));
  CHECK(has_line(*qf, "Action: delayed"));
  CHECK(has_line(*qf, "Diagnostic-Code: X-Postfix; connect to 127.0.0.1[127.0.0.1]:24999: Connection"));
  CHECK(has_line(*qf, "Will-Retry-Until: Sat, 28 Nov 2026 09:35:09 +0000 (UTC)"));
  CHECK(has_line(*qf, "Content-Type: text/rfc822-headers"));
  CHECK_FALSE(has_line(*qf, "This will bounce."));
  CHECK(std::filesystem::exists(inst.dir().file(
      "queue/" + mail::queue_file_path("defer", kQueueId, mail::default_hash_queue_names(), 1))));
}

TEST_CASE("trace_flush sends the delivery status report of sendmail -bv", "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  master_test::Instance inst(std::string(kBounceServices) + kCleanupService);
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  auto e = failed_entry();
  e.status = "2.0.0";
  e.action = "deliverable";
  e.reason = "delivery via local: delivers to mailbox";
  REQUIRE(mail::bounce_append(socket(inst, "trace"), kQueueId, e, 10s));
  auto request = flush_request("cmpuser@example.test");
  request.flags = mail::kDeliverFlagVerify;
  REQUIRE(mail::trace_flush(socket(inst, "trace"), request, 20s));
  auto qf = notice_after(inst, kQueueId + ": sender delivery status notification: ");
  INFO(inst.log());
  REQUIRE(qf);
  CHECK(has_line(*qf, "Subject: Mail Delivery Status Report"));
  CHECK(has_line(*qf, "Enclosed is the mail delivery report that you requested."));
  CHECK(has_line(*qf, "Action: deliverable"));
  CHECK(has_line(*qf, "Content-Description: Message Headers"));
  CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/trace/" + kQueueId)));
}

TEST_CASE("NOTIFY=NEVER recipients get no notice, and the bounce log still goes away",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  master_test::Instance inst(kBounceServices);  // no cleanup: any notice would fail
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  auto e = failed_entry();
  e.notify_flags = mail::kDsnNotifyNever;
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, e, 10s));
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
  CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
  CHECK(inst.log().find("notification") == std::string::npos);
}

TEST_CASE("bounce_template_file replaces the built-in text and subject of the notice",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  test::TempDir conf;
  std::string tmpl = conf.write("bounce.cf",
                                "failure_template = <<EOF\n"
                                "Subject: Returned mail\n"
                                "\n"
                                "Your mail came back from $mail_name.\n"
                                "EOF\n");
  master_test::Instance inst(std::string(kBounceServices) + kCleanupService,
                             "bounce_template_file = " + tmpl + "\n");
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
  auto qf = notice_after(inst, kQueueId + ": sender non-delivery notification: ");
  INFO(inst.log());
  REQUIRE(qf);
  CHECK(has_line(*qf, "Subject: Returned mail"));
  CHECK(has_line(*qf, "Your mail came back from Postfix."));
  CHECK_FALSE(has_line(*qf, "This is the mail system at host mx.example.test."));
}

TEST_CASE("a chrooted bounce (Debian's master.cf) queues its notice", "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner in a chroot")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  master_test::Instance inst(
      "bounce    unix  -       -       y       -       0       bounce\n"
      "postlog   unix-dgram n  -       n       -       1       postlogd\n" +
      std::string(kCleanupService));
  REQUIRE(inst.start().exit_status == 0);
  write_original(inst, "cmpuser@example.test");
  REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
  REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
  auto qf = notice_after(inst, kQueueId + ": sender non-delivery notification: ");
  INFO(inst.log());
  REQUIRE(qf);
  CHECK(has_line(*qf, "Subject: Undelivered Mail Returned to Sender"));
}

TEST_CASE("notify_classes = bounce sends postmaster a headers-only copy and double bounces",
          "[bounce][slow]") {
  if (test::skip_unless_root("master runs bounce as mail_owner")) return;
  if (!std::filesystem::exists(test::daemon("cleanup"))) {
    WARN("SKIPPED: no cleanup daemon built yet");
    return;
  }
  master_test::Instance inst(std::string(kBounceServices) + kCleanupService,
                             "notify_classes = bounce\n");
  REQUIRE(inst.start().exit_status == 0);

  SECTION("a single bounce: the sender's notice plus the postmaster copy") {
    write_original(inst, "cmpuser@example.test");
    REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
    REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request("cmpuser@example.test"), 20s));
    REQUIRE(notice_after(inst, kQueueId + ": sender non-delivery notification: "));
    auto copy = notice_after(inst, kQueueId + ": postmaster non-delivery notification: ");
    INFO(inst.log());
    REQUIRE(copy);
    CHECK(copy->sender().value_or("?") == "double-bounce@mx.example.test");
    REQUIRE(copy->recipients().size() == 1);
    CHECK(copy->recipients()[0].address == "postmaster@mx.example.test");
    CHECK(has_line(*copy, "Subject: Postmaster Copy: Undelivered Mail"));
    CHECK(has_line(*copy, "Content-Type: text/rfc822-headers"));
    CHECK_FALSE(has_line(*copy, "This will bounce."));
  }
  SECTION("a bounce of a notice goes to 2bounce_notice_recipient") {
    write_original(inst, "");
    REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
    REQUIRE(mail::bounce_flush(socket(inst, "bounce"), flush_request(""), 20s));
    auto notice = notice_after(inst, kQueueId + ": postmaster non-delivery notification: ");
    INFO(inst.log());
    REQUIRE(notice);
    CHECK(notice->sender().value_or("?") == "double-bounce@mx.example.test");
    CHECK(has_line(*notice, "This will bounce."));
    CHECK(inst.log().find("sender non-delivery notification") == std::string::npos);
  }
  SECTION("a failed double bounce is discarded with Postfix's warning") {
    write_original(inst, "double-bounce@mx.example.test");
    REQUIRE(mail::bounce_append(socket(inst, "bounce"), kQueueId, failed_entry(), 10s));
    REQUIRE(mail::bounce_flush(socket(inst, "bounce"),
                               flush_request("double-bounce@mx.example.test"), 20s));
    CHECK(inst.log_has(kQueueId + ": undeliverable postmaster notification discarded"));
    CHECK(inst.log().find("notification: ") == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(inst.dir().file("queue/bounce/" + kQueueId)));
  }
}
