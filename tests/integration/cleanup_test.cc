// cleanup in a running instance, without qmgr: a client hands it a
// maildrop file's records (Postfix's own postdrop output), and the file
// waiting in incoming/ has Postfix's record order, the missing headers, the
// C record, mode 0700 and mail_owner as owner; header_checks HOLD moves it
// to hold/, REJECT leaves nothing behind; Postfix's postcat reads the file.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libmail/cleanup_client.h"
#include "libmail/queue_file.h"
#include "libmail/record.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using master_test::eventually;
using namespace std::chrono_literals;

const std::string kServices =
    "cleanup unix n - n - 0 cleanup\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool built() { return !test::skip_without(test::daemon("cleanup"), "the cleanup daemon is not built"); }

// Send a maildrop file's records as pickup would (without the Received
// header pickup adds: that part is pickup's).
util::Result<mail::CleanupReply> submit(const master_test::Instance& inst,
                                        const std::string& records, std::string& id,
                                        int flags = mail::kCleanupFlagMask) {
  std::string sock = inst.dir().file("queue/public/cleanup");
  if (!eventually([&] { return fs::exists(sock); })) return util::fail("no cleanup socket");
  auto c = mail::CleanupClient::open(sock, flags, 10s);
  if (!c) return std::unexpected(c.error());
  id = c->queue_id();
  if (auto w = c->write_framed(records); !w) return std::unexpected(w.error());
  return c->finish();
}

std::string types(const mail::QueueFile& f) {
  std::string out;
  for (const auto& r : f.envelope) out += r.type;
  out += 'M';
  for (const auto& r : f.content) out += r.type;
  out += 'X';
  for (const auto& r : f.extracted) out += r.type;
  return out + 'E';
}

}  // namespace

TEST_CASE("cleanup queues a maildrop file's records in incoming with Postfix's record order",
          "[cleanup][slow]") {
  if (!built()) return;
  master_test::Instance inst(kServices);
  REQUIRE(inst.start().exit_status == 0);
  std::string id;
  auto reply = submit(inst, slurp(test::data_file("cleanup/maildrop_root.bin")), id);
  REQUIRE(reply);
  CHECK(reply->status == 0);
  std::string path = inst.dir().file("queue/incoming/" + id);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  if (struct passwd* pw = ::getpwnam("postfix")) CHECK(st.st_uid == pw->pw_uid);

  auto file = mail::read_queue_file(path);
  REQUIRE(file);
  // C T A(create_time) A(envelope_id) A(ret_flags) A(rewrite_context) F S,
  // per recipient A(notify_flags) A(dsn_orig_rcpt) O R, M, the content with
  // Message-Id/Date/From appended after the headers, X, E.
  CHECK(types(*file) == "CTAAAAFSAAORAAORMNNNNNNNNNXE");
  CHECK(file->attribute("envelope_id") == "envid123");
  CHECK(file->attribute("ret_flags") == "2");
  auto rcpts = file->recipients();
  REQUIRE(rcpts.size() == 2);
  CHECK(rcpts[0].address == "cmpuser@example.test");
  CHECK(rcpts[0].orig == "cmpuser@example.test");
  CHECK(rcpts[0].dsn_orig_rcpt == "rfc822;cmpuser@example.test");
  CHECK(rcpts[0].notify_flags == 10);
  auto size = file->size();
  REQUIRE(size);
  CHECK(size->rcpt_count == 2);
  CHECK(size->qmgr_flags == 20);
  auto lines = file->text_lines();
  REQUIRE(lines.size() == 9);
  CHECK(lines[0] == "Subject: maildrop root");
  CHECK(lines[1] == "To: cmpuser@example.test");
  CHECK(lines[2].starts_with("Message-Id: <"));
  CHECK(lines[2].ends_with("." + id + "@mx.example.test>"));
  CHECK(lines[3].starts_with("Date: "));
  CHECK(lines[4] == "From: Root Name <root@example.test>");
  CHECK(lines[5] == "");
  CHECK(inst.log_has("postfix/cleanup[" ));
  CHECK(inst.log_has(": " + id + ": message-id=" + lines[2].substr(12)));
  // No qmgr in this instance: the file waits, and cleanup says why as Postfix does.
  CHECK(inst.log_has("postfix/cleanup[" ));
  CHECK(inst.log_has("warning: unable to look up public/qmgr: No such file or directory"));

  if (test::skip_without("/usr/sbin/postcat", "interop")) return;
  test::TempDir conf;
  conf.write("main.cf", "");
  auto pc = test::run({"/usr/sbin/postcat", "-c", conf.path(), path});
  CHECK(pc.exit_status == 0);
  CHECK(pc.out.find("*** ENVELOPE RECORDS") != std::string::npos);
  CHECK(pc.out.find("sender: root@example.test") != std::string::npos);
  CHECK(pc.out.find("From: Root Name <root@example.test>") != std::string::npos);
  CHECK(pc.out.find("*** MESSAGE FILE END") != std::string::npos);
  CHECK(pc.err.find("warning") == std::string::npos);
}

TEST_CASE("cleanup qualifies a user's submission and holds it on a header_checks HOLD",
          "[cleanup][slow]") {
  if (!built()) return;
  test::TempDir tables;
  std::string checks = tables.write("header_checks", "/^Subject: maildrop user/ HOLD\n");
  master_test::Instance inst(kServices, "header_checks = regexp:" + checks + "\n");
  REQUIRE(inst.start().exit_status == 0);
  std::string id;
  auto reply = submit(inst, slurp(test::data_file("cleanup/maildrop_user.bin")), id);
  REQUIRE(reply);
  CHECK(reply->status == 0);
  CHECK_FALSE(fs::exists(inst.dir().file("queue/incoming/" + id)));
  std::string path = inst.dir().file("queue/hold/" + id);
  REQUIRE(fs::exists(path));
  auto file = mail::read_queue_file(path);
  REQUIRE(file);
  CHECK(file->sender() == "cmpuser@mx.example.test");
  auto rcpts = file->recipients();
  REQUIRE(rcpts.size() == 1);
  CHECK(rcpts[0].orig == "cmpuser");
  CHECK(rcpts[0].address == "cmpuser@mx.example.test");
  CHECK(inst.log_has(id + ": hold: header Subject: maildrop user from local; "
                     "from=<cmpuser@mx.example.test> to=<cmpuser@mx.example.test>"));
}

TEST_CASE("cleanup refuses a header_checks REJECT and leaves no file behind", "[cleanup][slow]") {
  if (!built()) return;
  test::TempDir tables;
  std::string checks = tables.write("header_checks", "/^Subject:/ REJECT not today\n");
  master_test::Instance inst(kServices, "header_checks = regexp:" + checks + "\n");
  REQUIRE(inst.start().exit_status == 0);
  std::string id;
  // As smtpd asks: no bounce flag, the client reports the rejection itself.
  auto reply = submit(inst, slurp(test::data_file("cleanup/maildrop_user.bin")), id,
                      mail::kCleanupFlagMask & ~mail::kCleanupFlagBounce);
  REQUIRE(reply);
  CHECK(reply->status == mail::kCleanupStatCont);
  CHECK(reply->reason == "5.7.1 not today");
  CHECK(eventually([&] { return !fs::exists(inst.dir().file("queue/incoming/" + id)); }));
  CHECK(inst.log_has(id + ": reject: header Subject: maildrop user from local;"));
}

TEST_CASE("with the bounce flag cleanup bounces a rejected message itself and reports it queued",
          "[cleanup][slow]") {
  if (!built()) return;
  if (test::skip_without(test::daemon("bounce"), "the bounce daemon is not built")) return;
  test::TempDir tables;
  std::string checks = tables.write("header_checks", "/^Subject:/ REJECT not today\n");
  master_test::Instance inst(kServices + "bounce unix - n n - 0 bounce\n",
                             "header_checks = regexp:" + checks + "\n");
  REQUIRE(inst.start().exit_status == 0);
  std::string id;
  auto reply = submit(inst, slurp(test::data_file("cleanup/maildrop_user.bin")), id);
  REQUIRE(reply);
  CHECK(reply->status == 0);
  CHECK(inst.log_has(id + ": reject: header Subject: maildrop user from local; "
                     "from=<cmpuser@mx.example.test> to=<cmpuser@mx.example.test>: 5.7.1 not today"));
  CHECK(inst.log_has(id + ": to=<cmpuser@mx.example.test>, orig_to=<cmpuser>, relay=none, delay="));
  CHECK(inst.log_has("dsn=5.7.1, status=bounced (not today)"));
  CHECK(inst.log_has(id + ": sender non-delivery notification: "));
  CHECK(eventually([&] { return !fs::exists(inst.dir().file("queue/incoming/" + id)); }));
  // The notice itself waits in incoming/ (no qmgr here), from MAILER-DAEMON.
  bool notice = eventually([&] {
    for (const auto& e : fs::directory_iterator(inst.dir().file("queue/incoming"))) {
      auto f = mail::read_queue_file(e.path().string());
      if (f && f->sender() == "" && (fs::status(e.path()).permissions() & fs::perms::owner_exec) != fs::perms::none)
        return true;
    }
    return false;
  });
  INFO(inst.log());
  CHECK(notice);
}
