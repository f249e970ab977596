// pickup in a running instance: our sendmail/postdrop drop a file into
// maildrop/, pickup hands it to cleanup, the queue file in incoming/ starts
// with pickup's Received: header, and the log says "ID: uid=0 from=<...>".
// Also what pickup does with a malformed file (removes it, says so, keeps
// running) and without cleanup (keeps the file for later).
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "libmail/queue_file.h"
#include "libmail/record.h"
#include "libutil/socket.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using master_test::eventually;

const std::string kPickup = "pickup unix n - n 60 1 pickup\n";
const std::string kCleanup = "cleanup unix n - n - 0 cleanup\n";
const std::string kPostlog = "postlog unix-dgram n - n - 1 postlogd\n";

std::string sbin() {
  std::string p = test::command("postdrop");
  return p.substr(0, p.rfind('/'));
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path().string());
  return out;
}

test::RunResult submit(const master_test::Instance& inst, const std::string& text) {
  test::RunOptions o;
  o.stdin_text = text;
  o.timeout_seconds = 20;
  return test::run({test::command("sendmail"), "-C", inst.path(), "-f", "root@example.test",
                    "cmpuser@example.test"},
                   o);
}

// What postdrop does after writing a file: "W" and a NUL to public/pickup.
void wake_pickup(const master_test::Instance& inst) {
  auto fd = util::unix_connect(inst.dir().file("queue/public/pickup"), std::chrono::seconds(5));
  if (!fd) return;
  (void)!::write(fd->get(), "W\0", 2);
}

bool built(const std::string& daemon) {
  return !test::skip_without(test::daemon(daemon), "the " + daemon + " daemon is not built");
}

}  // namespace

TEST_CASE("pickup moves a sendmail submission through cleanup into incoming", "[pickup][slow]") {
  if (!built("pickup") || !built("cleanup")) return;
  master_test::Instance inst(kPickup + kCleanup + kPostlog, "command_directory = " + sbin() + "\n");
  REQUIRE(inst.start().exit_status == 0);
  auto r = submit(inst, "Subject: pickup test\n\nbody from root\n");
  REQUIRE(r.exit_status == 0);

  std::string incoming = inst.dir().file("queue/incoming");
  REQUIRE(eventually([&] { return files_in(incoming).size() == 1; }));
  CHECK(eventually([&] { return files_in(inst.dir().file("queue/maildrop")).empty(); }));
  std::string path = files_in(incoming)[0];
  std::string id = path.substr(path.rfind('/') + 1);
  // Complete (0700) once cleanup answered.
  REQUIRE(eventually([&] {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0700) == 0700;
  }));
  auto file = mail::read_queue_file(path);
  REQUIRE(file);
  // Postfix's order for pickup -> cleanup (queue.md §4.6).
  std::string types;
  for (const auto& rec : file->envelope) types += rec.type;
  CHECK(types.rfind("CTAAFS", 0) == 0);
  CHECK(file->attribute("rewrite_context") == "local");
  CHECK(file->sender() == "root@example.test");
  REQUIRE(file->content.size() >= 3);
  CHECK(file->content[0].data == "Received: by mx.example.test (Postfix, from userid 0)");
  CHECK(std::regex_match(file->content[1].data,
                         std::regex("\tid " + id + "; [A-Z][a-z][a-z], [ 0-9]\\d [A-Z][a-z][a-z] "
                                    "\\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4} \\(.+\\)")));
  CHECK(file->content[2].data == "Subject: pickup test");
  CHECK(inst.log_has("postfix/pickup["));
  CHECK(inst.log_has("]: " + id + ": uid=0 from=<root@example.test>"));
}

TEST_CASE("pickup removes a malformed maildrop file with a warning and keeps going",
          "[pickup][slow]") {
  if (!built("pickup") || !built("cleanup")) return;
  master_test::Instance inst(kPickup + kCleanup + kPostlog, "command_directory = " + sbin() + "\n");
  REQUIRE(inst.start().exit_status == 0);
  REQUIRE(eventually([&] { return fs::exists(inst.dir().file("queue/maildrop")); }));
  std::string bad;
  mail::append_record(bad, 'T', "1795426200 380968");
  mail::append_record(bad, 'Z', "junk");
  inst.dir().write("queue/maildrop/BADF1LE", bad, 0744);
  wake_pickup(inst);
  CHECK(eventually([&] { return !fs::exists(inst.dir().file("queue/maildrop/BADF1LE")); }));
  CHECK(inst.log_has("postfix/pickup["));
  CHECK(inst.log_has(": warning: uid=0: unexpected or malformed record type 90"));
  // Still serving: the next submission goes through.
  REQUIRE(submit(inst, "Subject: after\n\nx\n").exit_status == 0);
  CHECK(eventually([&] { return files_in(inst.dir().file("queue/maildrop")).empty(); }));
  CHECK(inst.log_has("uid=0 from=<root@example.test>"));
}

TEST_CASE("pickup keeps the maildrop file while cleanup is not there", "[pickup][slow]") {
  if (!built("pickup")) return;
  master_test::Instance inst(kPickup + kPostlog, "command_directory = " + sbin() + "\n");
  REQUIRE(inst.start().exit_status == 0);
  REQUIRE(submit(inst, "Subject: kept\n\nx\n").exit_status == 0);
  CHECK(inst.log_has("warning: connect to subsystem public/cleanup"));
  auto left = files_in(inst.dir().file("queue/maildrop"));
  CHECK(left.size() == 1);
  if (!built("cleanup")) return;
  // Once cleanup is configured, the next wake-up delivers it.
  inst.write_master_cf(kPickup + kCleanup + kPostlog);
  REQUIRE(inst.postfix("reload").exit_status == 0);
  CHECK(eventually([&] {
    wake_pickup(inst);
    return files_in(inst.dir().file("queue/maildrop")).empty();
  }, std::chrono::seconds(15)));
  CHECK(files_in(inst.dir().file("queue/incoming")).size() == 1);
}

TEST_CASE("a message requeued with postsuper -r comes back through pickup with a new ID",
          "[pickup][postsuper][slow]") {
  if (!built("pickup") || !built("cleanup")) return;
  master_test::Instance inst(kPickup + kCleanup + kPostlog, "command_directory = " + sbin() + "\n");
  REQUIRE(inst.start().exit_status == 0);
  REQUIRE(submit(inst, "Subject: requeue me\n\nx\n").exit_status == 0);
  std::string incoming = inst.dir().file("queue/incoming");
  REQUIRE(eventually([&] { return files_in(incoming).size() == 1; }));
  std::string first = files_in(incoming)[0];
  std::string old_id = first.substr(first.rfind('/') + 1);
  REQUIRE(inst.log_has(old_id + ": uid=0 from=<root@example.test>"));

  test::RunOptions o;
  o.timeout_seconds = 20;
  auto r = test::run({test::command("postsuper"), "-c", inst.path(), "-r", old_id}, o);
  CHECK(r.err == "postsuper: " + old_id + ": requeued\npostsuper: Requeued: 1 message\n");
  wake_pickup(inst);
  // A new file under a new name; pickup names the old one.
  REQUIRE(eventually([&] {
    auto now = files_in(incoming);
    return now.size() == 1 && now[0] != first;
  }));
  std::string second = files_in(incoming)[0];
  std::string new_id = second.substr(second.rfind('/') + 1);
  struct passwd* pw = ::getpwnam("postfix");
  REQUIRE(pw);
  CHECK(inst.log_has(new_id + ": uid=" + std::to_string(pw->pw_uid) +
                     " from=<root@example.test> orig_id=" + old_id));
  auto file = mail::read_queue_file(second);
  REQUIRE(file);
  // The new Received: header on top of the first one.
  REQUIRE(file->content.size() >= 4);
  CHECK(file->content[0].data ==
        "Received: by mx.example.test (Postfix, from userid " + std::to_string(pw->pw_uid) + ")");
  CHECK(file->content[2].data == "Received: by mx.example.test (Postfix, from userid 0)");
}
