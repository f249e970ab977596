// The promises that make a mail system trustworthy, on a whole instance:
// mail that sendmail accepted survives kill -9 of any process or of all of
// them, and the log is one pflogsumm counts right.
//
// Where duplicates are allowed: a kill between local's final fsync of the
// mailbox and qmgr marking the recipient done makes the recipient be
// delivered again after the restart. Postfix has the same window (its qmgr
// learns the outcome only from the agent's reply), so the test allows at
// most one extra copy per delivery that was in flight at a kill, and none
// for messages that were not yet in the active queue.
#include <signal.h>

#include <catch.hpp>
#include <map>
#include <string>

#include "tests/integration/pipeline_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;

namespace {

std::string numbered_message(int n) {
  return "Subject: msg-" + std::to_string(n) + "-end\n\nbody of message " + std::to_string(n) +
         "\n";
}

// Kill master and every child with SIGKILL, leaving the queue as it is.
void kill_everything(master_test::Instance& instance) {
  auto pid = instance.master_pid();
  if (!pid) return;
  std::vector<pid_t> kids = master_test::children_of(*pid);
  ::kill(*pid, SIGKILL);
  for (pid_t k : kids) ::kill(k, SIGKILL);
  master_test::eventually([&] { return !master_test::process_alive(*pid); },
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

// How many copies of each numbered message root's mailbox holds.
std::map<int, size_t> copies(const Pipeline& p, int total) {
  std::string box = p.mailbox("root");
  std::map<int, size_t> out;
  for (int n = 0; n < total; ++n)
    out[n] = count_of(box, "Subject: msg-" + std::to_string(n) + "-end\n");
  return out;
}

}  // namespace

TEST_CASE("kill -9 of everything at any moment after sendmail returned loses no mail",
          "[pipeline][recovery]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
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
  INFO(p.instance().log());
  REQUIRE(p.wait_queue_empty(std::chrono::seconds(60)));
  auto got = copies(p, sent);
  size_t extra = 0;
  for (auto [n, count] : got) {
    INFO("message " << n);
    CHECK(count >= 1);
    if (count > 1) extra += count - 1;
  }
  // local delivers at most local_destination_concurrency_limit (2) at a time.
  CHECK(extra <= 2 * kRounds);
}

TEST_CASE("kill -9 of one service process at a time loses no mail", "[pipeline][recovery]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  int sent = 0;
  for (const char* victim : {"pickup", "cleanup", "qmgr", "local"}) {
    for (int i = 0; i < 4; ++i)
      REQUIRE(p.sendmail({"-f", "root", "root"}, numbered_message(sent++)).exit_status == 0);
    if (auto pid = child_named(p.instance(), victim)) ::kill(*pid, SIGKILL);
  }
  // Master restarts what died (after its throttle); a flush makes qmgr
  // look at once instead of at the next queue run.
  INFO(p.instance().log());
  master_test::eventually(
      [&] {
        test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"});
        return p.queue_empty();
      },
      std::chrono::seconds(60));
  REQUIRE(p.queue_empty());
  auto got = copies(p, sent);
  size_t extra = 0;
  for (auto [n, count] : got) {
    INFO("message " << n);
    CHECK(count >= 1);
    if (count > 1) extra += count - 1;
  }
  CHECK(extra <= 2);  // only the kill of local can duplicate
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
