// qmgr under master with a real delivery agent (tests/daemons/test_agent.cc,
// which answers by the recipient's local part): queue files written by
// Postfix and by build_queue_file are delivered and removed, deferrals go to
// deferred/H/ID with the retry time as mtime and come back on a flush, a
// file left in active/ is delivered after a restart, a corrupt file goes to
// corrupt/, and a missing or dying transport defers, never bounces.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "libmail/queue_file.h"
#include "libmail/queue_id.h"
#include "libutil/socket.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"

namespace {

using namespace std::chrono_literals;

const char* const kServices =
    "qmgr unix n - n 300 1 qmgr\n"
    "test-agent unix - - n - - test-agent\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

// Every recipient goes to the test agent, local or not.
const char* const kMainCf =
    "default_transport = test-agent\n"
    "local_transport = test-agent\n"
    "relay_transport = test-agent\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class QmgrInstance {
 public:
  explicit QmgrInstance(const std::string& services = kServices, const std::string& main_cf = kMainCf)
      : inst_(services, main_cf) {}
  master_test::Instance& inst() { return inst_; }
  std::string queue(const std::string& rel) const { return inst_.dir().file("queue/" + rel); }

  // Put a finished queue file (0700, owned by mail_owner) in `queue_name`.
  void put(const std::string& queue_name, const std::string& id, const std::string& bytes) {
    std::filesystem::create_directories(queue(queue_name));
    passwd* pw = ::getpwnam("postfix");
    // A hash subdirectory belongs to mail_owner, as when qmgr makes it.
    if (pw && queue_name.find('/') != std::string::npos)
      (void)!::chown(queue(queue_name).c_str(), pw->pw_uid, pw->pw_gid);
    std::string path = queue(queue_name + "/" + id);
    {
      std::ofstream out(path, std::ios::binary);
      out << bytes;
    }
    ::chmod(path.c_str(), 0700);
    if (pw) (void)!::chown(path.c_str(), pw->pw_uid, pw->pw_gid);
  }
  void trigger(const std::string& request) {
    REQUIRE(util::unix_trigger(queue("public/qmgr"), request, 5s));
  }
  bool gone(const std::string& rel) const { return !std::filesystem::exists(queue(rel)); }
  bool log_has(const std::string& text) const {
    return master_test::eventually([&] { return inst_.log().find(text) != std::string::npos; }, 15s);
  }

 private:
  master_test::Instance inst_;
};

std::string message(const std::vector<std::string>& rcpts, long created) {
  mail::NewMessage m;
  m.arrival_seconds = created;
  m.arrival_usec = 250000;
  m.create_time = created;
  m.pre_sender_attributes = {{"rewrite_context", "local"}};
  m.sender = "sender@example.org";
  for (const auto& r : rcpts) {
    mail::NewRecipient nr;
    nr.address = r;
    nr.orig = r;
    m.recipients.push_back(nr);
  }
  m.lines = {"Subject: qmgr test", "", "body"};
  return mail::build_queue_file(m);
}

}  // namespace

TEST_CASE("qmgr delivers a queue file that Postfix wrote and removes it", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  q.put("incoming", "AFAE8A7414D", slurp(test::data_file("qmgr/qf_smtp_hold.bin")));
  q.trigger("A");
  INFO(q.inst().log());
  REQUIRE(q.log_has("AFAE8A7414D: removed"));
  std::string log = q.inst().log();
  CHECK(log.find("AFAE8A7414D: from=<sender@example.org>, size=386, nrcpt=2 (queue active)") !=
        std::string::npos);
  CHECK(log.find("AFAE8A7414D: to=<cmpuser@example.test>, relay=test-agent, ") != std::string::npos);
  CHECK(log.find("AFAE8A7414D: to=<root@example.test>, relay=test-agent, ") != std::string::npos);
  CHECK(log.find("status=sent (delivered by test-agent)") != std::string::npos);
  CHECK(q.gone("incoming/AFAE8A7414D"));
  CHECK(q.gone("active/AFAE8A7414D"));
}

TEST_CASE("qmgr counts only recipients not yet done and delivers those", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  // Postfix's own deferred file: cmpuser is D already, remote is not.
  q.put("incoming", "B0FE1A74379", slurp(test::data_file("qmgr/qf_deferred_partial.bin")));
  q.trigger("I");
  INFO(q.inst().log());
  REQUIRE(q.log_has("B0FE1A74379: removed"));
  std::string log = q.inst().log();
  CHECK(log.find("B0FE1A74379: from=<cmpuser@example.test>, size=311, nrcpt=1 (queue active)") !=
        std::string::npos);
  CHECK(log.find("to=<remote@example.org>, relay=test-agent") != std::string::npos);
  CHECK(log.find("to=<cmpuser@example.test>") == std::string::npos);
}

TEST_CASE("a due message in a hashed deferred/ directory with a long queue ID is delivered on D",
          "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  // Postfix wrote this file (long IDs, a W record); its hash directory comes
  // from the microseconds inside the ID: 0x53A11 -> "5".
  const std::string id = "4jY1TQ2QgPz1bc7K";
  REQUIRE(mail::queue_hash_dir(id, 1) == "5/");
  q.put("deferred/5", id, slurp(test::data_file("qmgr/qf_deferred_warn_longid.bin")));
  q.trigger("D");
  INFO(q.inst().log());
  REQUIRE(q.log_has(id + ": removed"));
  std::string log = q.inst().log();
  CHECK(log.find(id + ": from=<cmpuser@example.test>, size=261, nrcpt=1 (queue active)") !=
        std::string::npos);
  CHECK(log.find(id + ": to=<far@example.org>, relay=test-agent") != std::string::npos);
  CHECK(q.gone("deferred/5/" + id));
}

TEST_CASE("a deferred recipient sends the message to deferred/ until its retry time or a flush",
          "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  long now = static_cast<long>(::time(nullptr));
  const std::string id = "ABCDE12345";
  q.put("incoming", id, message({"ok@example.org", "defer-me@example.org"}, now));
  q.trigger("A");
  INFO(q.inst().log());
  std::string deferred = "deferred/" + mail::queue_hash_dir(id, 1) + id;
  REQUIRE(master_test::eventually([&] { return !q.gone(deferred); }, 15s));
  CHECK(q.log_has(id + ": to=<defer-me@example.org>, relay=test-agent"));
  CHECK(q.log_has("status=deferred (test deferral)"));
  CHECK(q.inst().log().find(id + ": removed") == std::string::npos);
  // The next retry is minimal_backoff_time (300s) away for a new message,
  // in both atime and mtime.
  struct stat st {};
  REQUIRE(::stat(q.queue(deferred).c_str(), &st) == 0);
  CHECK(st.st_mtime >= now + 300);
  CHECK(st.st_mtime <= static_cast<long>(::time(nullptr)) + 301);
  CHECK(st.st_atime == st.st_mtime);
  // The delivered recipient is marked done in place; the deferred one not.
  auto file = mail::read_queue_file(q.queue(deferred));
  REQUIRE(file);
  auto rcpts = file->recipients();
  REQUIRE(rcpts.size() == 2);
  CHECK(rcpts[0].done);
  CHECK_FALSE(rcpts[1].done);

  // A D trigger leaves a file that is not due alone...
  q.trigger("D");
  std::this_thread::sleep_for(300ms);  // nothing should happen; give it the chance
  CHECK_FALSE(q.gone(deferred));
  // ...a flush (postqueue -f sends FADI) delivers it now.
  q.inst().dir().write("queue/test-agent-accept", "");
  q.trigger("FADI");
  REQUIRE(q.log_has(id + ": removed"));
  CHECK(q.gone(deferred));
  std::string log = q.inst().log();
  CHECK(log.find(id + ": from=<sender@example.org>, size=") != std::string::npos);
  CHECK(log.find("nrcpt=1 (queue active)") != std::string::npos);
  CHECK(log.find("status=sent (delivered by test-agent)") != std::string::npos);
}

TEST_CASE("a queue file left in active/ by a dead qmgr is delivered after a restart", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  // First without qmgr, so the file can sit in active/ like after a crash.
  QmgrInstance q("test-agent unix - - n - - test-agent\npostlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "BCDEF23456";
  q.put("active", id, message({"user@example.org"}, static_cast<long>(::time(nullptr))));
  q.inst().write_master_cf(kServices);
  // `postfix reload` runs `postsuper active` first, which renames a file
  // whose name does not match its inode (as Postfix's does): so the ID the
  // message is delivered under is not known in advance.
  REQUIRE(q.inst().postfix("reload").exit_status == 0);
  INFO(q.inst().log());
  REQUIRE(master_test::eventually(
      [&] {
        (void)util::unix_trigger(q.queue("public/qmgr"), "W", 1s);
        return q.inst().log().find(": removed") != std::string::npos;
      },
      15s));
  CHECK(q.log_has(": to=<user@example.org>, relay=test-agent"));
  CHECK(q.gone("active/" + id));
  CHECK(q.gone("incoming/" + id));
}

TEST_CASE("a corrupt queue file goes to corrupt/ and the next message is delivered", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  q.put("incoming", "CDEF034567", "this is not a queue file");
  q.trigger("A");
  INFO(q.inst().log());
  REQUIRE(master_test::eventually([&] { return !q.gone("corrupt/CDEF034567"); }, 15s));
  CHECK(q.gone("incoming/CDEF034567"));
  CHECK(q.gone("active/CDEF034567"));
  // Postfix 3.7.11's two warnings, word for word.
  CHECK(q.log_has("warning: CDEF034567: message rejected: missing end record"));
  CHECK(q.log_has("warning: saving corrupt file \"CDEF034567\" from queue \"active\" to queue \"corrupt\""));
  // A first record that is a size record Postfix cannot use.
  q.put("incoming", "CDEF134567", std::string("C\x05hello", 7));
  q.trigger("A");
  CHECK(q.log_has("warning: CDEF134567: message rejected: weird size record"));
  CHECK(master_test::eventually([&] { return !q.gone("corrupt/CDEF134567"); }, 15s));
  q.put("incoming", "DEF0145678", message({"next@example.org"}, static_cast<long>(::time(nullptr))));
  q.trigger("A");
  CHECK(q.log_has("DEF0145678: removed"));
}

TEST_CASE("recipients of a transport that is not in master.cf are deferred, not bounced", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q(kServices, "default_transport = nosuch\nlocal_transport = nosuch\n");
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "E0F1256789";
  q.put("incoming", id, message({"a@example.org"}, static_cast<long>(::time(nullptr))));
  q.trigger("A");
  INFO(q.inst().log());
  std::string deferred = "deferred/" + mail::queue_hash_dir(id, 1) + id;
  REQUIRE(master_test::eventually([&] { return !q.gone(deferred); }, 15s));
  std::string log = q.inst().log();
  CHECK(log.find("warning: connect to transport private/nosuch: No such file or directory") !=
        std::string::npos);
  CHECK(log.find(id + ": to=<a@example.org>, relay=none, delay=") != std::string::npos);
  CHECK(log.find("dsn=4.3.0, status=deferred (mail transport unavailable)") != std::string::npos);
  CHECK(log.find("status=bounced") == std::string::npos);
}

TEST_CASE("an agent that dies during a request leaves its recipients deferred", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  QmgrInstance q;
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "F012367890";
  q.put("incoming", id, message({"crash@example.org"}, static_cast<long>(::time(nullptr))));
  q.trigger("A");
  INFO(q.inst().log());
  std::string deferred = "deferred/" + mail::queue_hash_dir(id, 1) + id;
  REQUIRE(master_test::eventually([&] { return !q.gone(deferred); }, 15s));
  std::string log = q.inst().log();
  CHECK(log.find(id + ": to=<crash@example.org>, relay=none") != std::string::npos);
  CHECK(log.find("status=deferred (unknown mail transport error)") != std::string::npos);
  CHECK(log.find("status=bounced") == std::string::npos);
  CHECK(log.find("warning: transport test-agent failure -- see a previous warning/fatal/panic "
                 "logfile record for the problem description") != std::string::npos);

  // The transport rests for transport_retry_time: the next message waits...
  const std::string next = "F012367891";
  q.put("incoming", next, message({"after@example.org"}, static_cast<long>(::time(nullptr))));
  q.trigger("A");
  std::string next_deferred = "deferred/" + mail::queue_hash_dir(next, 1) + next;
  REQUIRE(master_test::eventually([&] { return !q.gone(next_deferred); }, 15s));
  CHECK(q.inst().log().find(next + ": to=<after@example.org>, relay=none") != std::string::npos);
  // ...until a flush, which ends the rest at once.
  q.trigger("F");
  CHECK(q.log_has(next + ": removed"));
}

namespace {

// qmgr with the real bounce/defer services and cleanup, so notices are
// queued and delivered back through qmgr.
const char* const kNoticeServices =
    "qmgr unix n - n 300 1 qmgr\n"
    "test-agent unix - - n - - test-agent\n"
    "cleanup unix n - n - 0 cleanup\n"
    "bounce unix - - n - 0 bounce\n"
    "defer unix - - n - 0 bounce\n"
    "trace unix - - n - 0 bounce\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

bool have_notice_daemons() {
  for (const char* d : {"bounce", "cleanup"})
    if (!std::filesystem::exists(test::daemon(d))) {
      WARN(std::string("SKIPPED: no ") + d + " daemon built");
      return false;
    }
  return true;
}

}  // namespace

TEST_CASE("a bounced recipient gets a non-delivery notice and the message is removed", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  if (!have_notice_daemons()) return;
  QmgrInstance q(kNoticeServices);
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "A0B1C2D3E4";
  q.put("incoming", id, message({"bounce-me@example.org", "fine@example.org"},
                                static_cast<long>(::time(nullptr))));
  q.trigger("A");
  INFO(q.inst().log());
  REQUIRE(q.log_has(id + ": removed"));
  std::string log = q.inst().log();
  CHECK(log.find(id + ": to=<bounce-me@example.org>, relay=test-agent") != std::string::npos);
  CHECK(log.find("dsn=5.1.1, status=bounced (test bounce)") != std::string::npos);
  CHECK(log.find(id + ": sender non-delivery notification: ") != std::string::npos);
  // The notice itself goes through qmgr from the null sender to the sender.
  CHECK(q.log_has(": from=<>, size="));
  CHECK(q.log_has("to=<sender@example.org>, relay=test-agent"));
  CHECK(q.gone("bounce/" + id));
}

TEST_CASE("a deferred recipient is written to the defer log, which goes when the message does",
          "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  if (!have_notice_daemons()) return;
  QmgrInstance q(kNoticeServices);
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "B1C2D3E4F5";
  q.put("incoming", id, message({"defer-1@example.org"}, static_cast<long>(::time(nullptr))));
  q.trigger("A");
  INFO(q.inst().log());
  std::string hash = mail::queue_hash_dir(id, 1);
  REQUIRE(master_test::eventually([&] { return !q.gone("deferred/" + hash + id); }, 15s));
  std::string defer_log = slurp(q.queue("defer/" + hash + id));
  CHECK(defer_log.find("<defer-1@example.org>: test deferral\n") != std::string::npos);
  CHECK(defer_log.find("recipient=defer-1@example.org\n") != std::string::npos);
  CHECK(defer_log.find("status=4.3.0\n") != std::string::npos);
  CHECK(defer_log.find("action=delayed\n") != std::string::npos);
  q.inst().dir().write("queue/test-agent-accept", "");
  q.trigger("F");
  REQUIRE(q.log_has(id + ": removed"));
  CHECK(q.gone("defer/" + hash + id));
}

TEST_CASE("an expired message is returned to the sender with the deferral reason", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  if (!have_notice_daemons()) return;
  QmgrInstance q(kNoticeServices, std::string(kMainCf) + "maximal_queue_lifetime = 1d\n");
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "C2D3E4F506";
  q.put("incoming", id, message({"defer-old@example.org"}, static_cast<long>(::time(nullptr)) - 2 * 86400));
  q.trigger("A");
  INFO(q.inst().log());
  REQUIRE(q.log_has(id + ": removed"));
  std::string log = q.inst().log();
  // One last attempt first, as Postfix does, then the expiry.
  CHECK(log.find(id + ": to=<defer-old@example.org>, relay=test-agent") != std::string::npos);
  CHECK(log.find(id + ": from=<sender@example.org>, status=expired, returned to sender") !=
        std::string::npos);
  CHECK(log.find(id + ": sender non-delivery notification: ") != std::string::npos);
  std::string hash = mail::queue_hash_dir(id, 1);
  CHECK(q.gone("deferred/" + hash + id));
  CHECK(q.gone("defer/" + hash + id));
}

TEST_CASE("a delay warning goes out once when its time has come", "[qmgr]") {
  if (test::skip_unless_root("qmgr runs as mail_owner")) return;
  if (!have_notice_daemons()) return;
  QmgrInstance q(kNoticeServices);
  REQUIRE(q.inst().start().exit_status == 0);
  const std::string id = "D3E4F50617";
  long now = static_cast<long>(::time(nullptr));
  mail::NewMessage m;
  m.arrival_seconds = now - 7200;
  m.create_time = now - 7200;
  m.pre_sender_attributes = {{"rewrite_context", "local"}};
  m.sender = "sender@example.org";
  m.warning_time = now - 10;
  mail::NewRecipient r;
  r.address = "defer-warn@example.org";
  r.orig = r.address;
  m.recipients.push_back(r);
  m.lines = {"Subject: warn me", "", "body"};
  q.put("incoming", id, mail::build_queue_file(m));
  q.trigger("A");
  INFO(q.inst().log());
  std::string deferred = "deferred/" + mail::queue_hash_dir(id, 1) + id;
  REQUIRE(master_test::eventually([&] { return !q.gone(deferred); }, 15s));
  CHECK(q.log_has(id + ": sender delay notification: "));
  // The W record now says "sent": zero, so the next pass does not warn again.
  auto file = mail::read_queue_file(q.queue(deferred));
  REQUIRE(file);
  bool found = false;
  for (const auto& rec : file->envelope)
    if (rec.type == 'W') {
      found = true;
      CHECK(std::stol(rec.data) == 0);
    }
  CHECK(found);
}
