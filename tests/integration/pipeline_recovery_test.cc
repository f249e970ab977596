// The promises that make a mail system trustworthy, on a whole instance:
// mail that sendmail accepted survives kill -9 of any process or of all of
// them, and the log is one pflogsumm counts right.
//
// Where duplicates are allowed: a kill between local's final fsync of the
// mailbox and qmgr marking the recipient done makes the recipient be
// delivered again after the restart. Postfix has the same window (its qmgr
// learns the outcome only from the agent's reply), so the test allows at
// most one extra copy per delivery that was in flight at a kill, and none
// for messages that were not yet in the active queue. The same holds one
// step earlier: cleanup killed after its fsync but before its answer leaves
// a finished queue file while pickup still has the maildrop copy and sends
// it again. A cleanup killed before it finished leaves a mode-0600 file in
// incoming/ that nothing delivers; Postfix's `postsuper -p` (run by
// `postfix start`) removes such files once they are old.
#include <signal.h>

#include <catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "tests/integration/pipeline_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;

namespace {

std::string numbered_message(int n) {
  return "Subject: msg-" + std::to_string(n) + "-end\n\nbody of message " + std::to_string(n) +
         "\n";
}

// The process group of a pid per /proc (field 5 of stat), -1 if gone.
pid_t process_group(pid_t pid) {
  std::string stat = pipeline_test::read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string state;
  pid_t ppid = 0, pgrp = -1;
  rest >> state >> ppid >> pgrp;
  return state == "Z" ? -1 : pgrp;
}

// Kill master and every child with SIGKILL, leaving the queue as it is.
// master is a session leader (setsid), so its pid is the process group of
// every service it forks: one kill of the group also gets a child forked a
// moment ago, which a list of children taken first would miss.
void kill_everything(master_test::Instance& instance) {
  auto pid = instance.master_pid();
  if (!pid) return;
  ::kill(-*pid, SIGKILL);
  ::kill(*pid, SIGKILL);
  master_test::eventually(
      [&] {
        for (const auto& e : std::filesystem::directory_iterator("/proc")) {
          std::string name = e.path().filename();
          if (name.find_first_not_of("0123456789") != std::string::npos) continue;
          if (process_group(std::stoi(name)) == *pid) return false;
        }
        return true;
      },
      std::chrono::seconds(5));
}

// The pid of a running child of master whose command line names `program`.
std::optional<pid_t> child_named(master_test::Instance& instance, const std::string& program) {
  auto pid = instance.master_pid();
  if (!pid) return std::nullopt;
  for (pid_t k : master_test::children_of(*pid)) {
    std::string cmd = pipeline_test::read_file("/proc/" + std::to_string(k) + "/cmdline");
    std::string first = cmd.substr(0, cmd.find('\0'));
    if (first.size() >= program.size() &&
        first.compare(first.size() - program.size(), program.size(), program) == 0)
      return k;
  }
  return std::nullopt;
}

// Wait for the queue to drain, flushing once a second as an administrator
// would after a crash (a maildrop file whose pickup was killed otherwise
// waits for pickup's 60 s wake-up, as with Postfix).
bool drain(Pipeline& p, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"});
    if (p.wait_queue_empty(std::chrono::seconds(1), true)) return true;
  }
  return p.queue_empty(true);
}

// How many copies of each numbered message root's mailbox holds.
std::map<int, size_t> copies(const Pipeline& p, int total) {
  std::string box = p.mailbox("root");
  std::map<int, size_t> out;
  for (int n = 0; n < total; ++n)
    out[n] = count_of(box, "Subject: msg-" + std::to_string(n) + "-end\n");
  return out;
}

// local killed while it holds root's dot-lock leaves the lock file behind;
// Postfix too waits stale_lock_time (500s) before it breaks such a lock, so
// the recovery tests make that wait short instead of flaky.
const char* const kShortStaleLock = "stale_lock_time = 2s\n";

}  // namespace

TEST_CASE("kill -9 of everything at any moment after sendmail returned loses no mail",
          "[pipeline][recovery]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p(kShortStaleLock);
  REQUIRE(p.start().exit_status == 0);
  const int kRounds = 4, kPerRound = 5;
  int sent = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i)
      REQUIRE(p.sendmail({"-f", "root", "root"}, numbered_message(sent++)).exit_status == 0);
    // Vary the moment: at once, then a little later each round.
    if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(40 * round));
    kill_everything(p.instance());
    REQUIRE(p.start().exit_status == 0);
  }
  bool drained = drain(p, std::chrono::seconds(60));
  INFO(p.instance().log());  // as it is now, after the wait
  INFO("left in the queue:\n" << p.queue_files());
  REQUIRE(drained);
  auto got = copies(p, sent);
  size_t extra = 0;
  for (auto [n, count] : got) {
    INFO("message " << n);
    CHECK(count >= 1);
    if (count > 1) extra += count - 1;
  }
  // Per kill: at most local_destination_concurrency_limit (2) deliveries in
  // flight, plus one message inside cleanup.
  CHECK(extra <= 3 * kRounds);
}

TEST_CASE("kill -9 of one service process at a time loses no mail", "[pipeline][recovery]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p(kShortStaleLock);
  REQUIRE(p.start().exit_status == 0);
  int sent = 0;
  for (const char* victim : {"pickup", "cleanup", "qmgr", "local"}) {
    for (int i = 0; i < 4; ++i)
      REQUIRE(p.sendmail({"-f", "root", "root"}, numbered_message(sent++)).exit_status == 0);
    if (auto pid = child_named(p.instance(), victim)) ::kill(*pid, SIGKILL);
  }
  // Master restarts what died (after its throttle); a flush makes qmgr
  // look at once instead of at the next queue run.
  bool drained = drain(p, std::chrono::seconds(60));
  INFO(p.instance().log());
  INFO("left in the queue:\n" << p.queue_files());
  REQUIRE(drained);
  auto got = copies(p, sent);
  size_t extra = 0;
  for (auto [n, count] : got) {
    INFO("message " << n);
    CHECK(count >= 1);
    if (count > 1) extra += count - 1;
  }
  CHECK(extra <= 3);  // only the kills of cleanup and local can duplicate
  CHECK(master_test::process_alive(*p.instance().master_pid()));
}

TEST_CASE("pflogsumm counts the received, delivered and bounced messages of our log",
          "[pipeline][pflogsumm]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("/usr/sbin/pflogsumm", "pflogsumm report of our log")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  for (int n = 0; n < 5; ++n)
    REQUIRE(p.sendmail({"-f", "root", "root"}, numbered_message(n)).exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "pstrn-nosuchuser"}, numbered_message(9)).exit_status == 0);
  INFO(p.instance().log());
  // 5 messages + 1 non-delivery notice in root's mailbox.
  REQUIRE(p.wait_for_messages("root", 6));
  REQUIRE(p.wait_queue_empty());
  // Log lines travel through postlogd: wait until all of them are written.
  REQUIRE(master_test::eventually([&] {
    std::string log = p.instance().log();
    return count_of(log, "status=sent") == 6 &&
           log.find("sender non-delivery notification: ") != std::string::npos;
  }));
  auto report = test::run({"/usr/sbin/pflogsumm", p.instance().dir().file("maillog")});
  REQUIRE(report.exit_status == 0);
  INFO(report.out);
  // pflogsumm counts a message as received at pickup's "uid=" (or smtpd's
  // "client=") line, so the notice, which comes from bounce, is not one.
  CHECK(report.out.find("      6   received\n") != std::string::npos);
  CHECK(report.out.find("      6   delivered\n") != std::string::npos);
  CHECK(report.out.find("      1   bounced\n") != std::string::npos);
  CHECK(report.out.find("      0   deferred") != std::string::npos);
}
