// master + server skeletons, end to end: real master, real child processes
// on loopback ports, started and stopped through the postfix command.
// Runs as root (CI does): services drop to mail_owner "postfix".
#include <signal.h>
#include <sys/stat.h>

#include <catch.hpp>
#include <regex>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "tests/integration/master_fixture.h"

using master_test::Client;
using master_test::eventually;
using master_test::Instance;

namespace {

const char* kEchoServices =
    "127.0.0.1:ECHO_PORT inet n - y - 2 test-echo -o test_value=one\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

bool skip_unless_root() { return test::skip_unless_root("master tests switch to mail_owner"); }

}  // namespace

TEST_CASE("master starts a service on demand and the single-client skeleton answers", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  auto started = inst.start();
  REQUIRE(started.exit_status == 0);
  Client c(inst.port());
  REQUIRE(c.connected());
  CHECK(c.ask("hello") == "echo: hello");
  CHECK(c.ask("param test_value") == "one");
  CHECK(c.ask("param service_name") == "127.0.0.1:" + std::to_string(inst.port()));
  // The service ran chrooted as mail_owner.
  pid_t child = static_cast<pid_t>(std::stol(c.ask("pid")));
  struct stat st{};
  REQUIRE(::stat(("/proc/" + std::to_string(child)).c_str(), &st) == 0);
  CHECK(st.st_uid != 0);
  char root[4096] = {};
  REQUIRE(::readlink(("/proc/" + std::to_string(child) + "/root").c_str(), root, sizeof root - 1) > 0);
  CHECK(std::string(root) == inst.dir().file("queue"));
  // argv as master-cf.md §5: -n for a name other than the program, -t, -u, -c, then -o.
  std::ifstream cmdline("/proc/" + std::to_string(child) + "/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  std::replace(args.begin(), args.end(), '\0', ' ');
  CHECK(args == test::daemon("test-echo") + " -n 127.0.0.1:" + std::to_string(inst.port()) +
                    " -t inet -u -c -o test_value=one ");
}

TEST_CASE("master never runs more processes of a service than its process limit", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  Client a(inst.port()), b(inst.port());
  std::set<std::string> pids = {a.ask("pid"), b.ask("pid")};
  CHECK(pids.size() == 2);
  // Both processes are busy: a third client waits in the listen queue.
  Client c(inst.port());
  REQUIRE(c.connected());
  REQUIRE(c.stream().write("pid\n"));
  REQUIRE(c.stream().flush());
  CHECK_FALSE(c.answered_within(std::chrono::milliseconds(1500)));
  CHECK(master_test::children_of(*inst.master_pid()).size() == 3);  // 2 echo + postlogd
  a.ask("quit");
  CHECK(c.answered_within(std::chrono::seconds(5)));
  CHECK(pids.count(c.read_line()) == 1);  // served by the process a left
}

TEST_CASE("master respawns a service process that was killed", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  std::string first;
  {
    Client c(inst.port());
    first = c.ask("pid");
    ::kill(static_cast<pid_t>(std::stol(first)), SIGKILL);
  }
  CHECK(inst.log_has("warning: process " + test::daemon("test-echo") + " pid " + first +
                     " killed by signal 9"));
  Client again(inst.port());
  std::string second = again.ask("pid");
  CHECK(second != first);
  CHECK(second.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("SIGHUP makes new processes see a changed -o parameter", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  pid_t master = *inst.master_pid();
  auto socket_of = [](const std::string& pid) {
    char target[256] = {};
    ::readlink(("/proc/" + pid + "/fd/6").c_str(), target, sizeof target - 1);
    return std::string(target);
  };
  std::string old_pid, old_socket;
  {
    Client c(inst.port());
    CHECK(c.ask("param test_value") == "one");
    old_pid = c.ask("pid");
    old_socket = socket_of(old_pid);
    REQUIRE(old_socket.starts_with("socket:["));
  }
  std::string changed = kEchoServices;
  changed.replace(changed.find("test_value=one"), 14, "test_value=two");
  inst.write_master_cf(changed);
  auto reload = inst.postfix("reload");
  CHECK(reload.exit_status == 0);
  CHECK(reload.err == "postfix/postfix-script: refreshing the Postfix mail system\n");
  CHECK(inst.log_has("postfix/master[" + std::to_string(master) +
                     "]: reload -- version 3.7.11, configuration " + inst.path()));
  CHECK(eventually([&] {
    Client c(inst.port());
    return c.ask("param test_value") == "two";
  }));
  CHECK(*inst.master_pid() == master);
  // The idle process of the old generation is gone; the new one inherited
  // the very same listening socket.
  CHECK(eventually([&] { return !master_test::process_alive(std::stoi(old_pid)); }));
  Client c(inst.port());
  std::string new_pid = c.ask("pid");
  CHECK(new_pid != old_pid);
  CHECK(socket_of(new_pid) == old_socket);
}

TEST_CASE("postfix stop ends master and every service process", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  Client a(inst.port());
  REQUIRE(!a.ask("pid").empty());
  pid_t master = *inst.master_pid();
  // The echo process and postlogd (started by master's first log line).
  REQUIRE(eventually([&] { return master_test::children_of(master).size() >= 2; }));
  auto kids = master_test::children_of(master);
  auto stop = inst.postfix("stop");
  CHECK(stop.exit_status == 0);
  CHECK(stop.err.starts_with("postfix/postfix-script: stopping the Postfix mail system\n"));
  CHECK(eventually([&] { return !master_test::process_alive(master); }, std::chrono::seconds(6)));
  for (pid_t k : kids) CHECK(eventually([&] { return !master_test::process_alive(k); }));
  auto status = inst.postfix("status");
  CHECK(status.exit_status == 1);
  CHECK(status.err == "postfix/postfix-script: the Postfix mail system is not running\n");
}

TEST_CASE("a second master for the same configuration is refused", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  test::RunOptions o;
  o.env["MAIL_CONFIG"] = inst.path();
  o.timeout_seconds = 20;
  auto second = test::run({test::daemon("master"), "-d"}, o);
  CHECK(second.exit_status == 1);
  CHECK(second.err.find("master: fatal: open lock file " + inst.dir().file("data/master.lock") +
                        ": unable to set exclusive lock: Resource temporarily unavailable") !=
        std::string::npos);
  auto again = inst.start();
  CHECK(again.exit_status == 1);
  CHECK(again.err == "postfix/postfix-script: fatal: the Postfix mail system is already running\n");
  CHECK(test::run({test::daemon("master"), "-t"}, o).exit_status == 1);
}

TEST_CASE("master -t exits 0 when no master is running", "[master]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.postfix("check").exit_status == 0);
  test::RunOptions o;
  o.env["MAIL_CONFIG"] = inst.path();
  CHECK(test::run({test::daemon("master"), "-t"}, o).exit_status == 0);
}

TEST_CASE("master sends wake-up requests to a trigger service on its timer", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("trig unix n n n 1 1 test-trigger -o test_trigger_file=TRIGFILE\n"
                "postlog unix-dgram n - n - 1 postlogd\n");
  std::string out = inst.dir().file("trigger.out");
  std::string cf = "trig unix n n n 1 1 test-trigger -o test_trigger_file=" + out +
                   "\npostlog unix-dgram n - n - 1 postlogd\n";
  inst.write_master_cf(cf);
  REQUIRE(inst.start().exit_status == 0);
  // The first wake-up goes out at start, the next one a second later.
  CHECK(eventually([&] {
    std::string text = inst.dir().read("trigger.out");
    return std::count(text.begin(), text.end(), '\n') >= 2;
  }));
  std::string text = inst.dir().read("trigger.out");
  std::regex line(R"(^\d+ W\\0$)");
  std::string first = text.substr(0, text.find('\n'));
  CHECK(std::regex_match(first, line));
}

TEST_CASE("the multi-client skeleton serves several connections in one process", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("multi unix n - n - 1 test-multi\npostlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  Client a(inst.dir().file("queue/public/multi"));
  Client b(inst.dir().file("queue/public/multi"));
  std::string ra = a.ask("one"), rb = b.ask("two");
  REQUIRE(ra.find(": one") != std::string::npos);
  CHECK(rb.substr(rb.find(':')) == ": two");
  CHECK(ra.substr(0, ra.find(':')) == rb.substr(0, rb.find(':')));
  CHECK(a.ask("three").ends_with(": three"));
}

TEST_CASE("a service whose program is missing is throttled and master keeps running", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("127.0.0.1:ECHO_PORT inet n - n - 1 no-such-daemon\n"
                "postlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  {
    Client c(inst.port());  // the connection makes master try to start it
    REQUIRE(c.connected());
  }
  std::string prog = test::daemon("no-such-daemon");
  CHECK(inst.log_has("postfix/master["));
  CHECK(inst.log_has("warning: " + prog + ": bad command startup -- throttling"));
  CHECK(inst.master_pid().has_value());
  CHECK(inst.postfix("status").exit_status == 0);
}

TEST_CASE("master and services write Postfix-format lines to maillog_file", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  {
    Client c(inst.port());
    CHECK(c.ask("log hello from the echo service") == "logged");
  }
  REQUIRE(inst.log_has("hello from the echo service"));
  std::string log = inst.log();
  std::regex start_line(R"(^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} mx postfix/master\[\d+\]: daemon started -- version 3\.7\.11, configuration )" +
                        inst.path() + "$");
  std::regex service_line(R"(^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} mx postfix/test-echo\[\d+\]: hello from the echo service$)");
  std::regex script_line(R"(^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} mx postfix/postfix-script\[\d+\]: starting the Postfix mail system$)");
  bool saw_start = false, saw_service = false, saw_script = false;
  std::istringstream lines(log);
  for (std::string l; std::getline(lines, l);) {
    saw_start = saw_start || std::regex_match(l, start_line);
    saw_service = saw_service || std::regex_match(l, service_line);
    saw_script = saw_script || std::regex_match(l, script_line);
  }
  CHECK(saw_start);
  CHECK(saw_service);
  CHECK(saw_script);
}

TEST_CASE("a service process exits after max_use clients and master starts another", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("127.0.0.1:ECHO_PORT inet n - y - 1 test-echo -o max_use=2\n"
                "postlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  auto ask_pid = [&] {
    Client c(inst.port());
    return c.ask("pid");
  };
  std::string first = ask_pid();
  CHECK(ask_pid() == first);
  CHECK(master_test::eventually([&] { return !master_test::process_alive(std::stoi(first)); }));
  std::string third = ask_pid();
  CHECK(third != first);
  CHECK(third.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("an idle service process exits after max_idle seconds", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("127.0.0.1:ECHO_PORT inet n - y - 1 test-echo -o max_idle=1s\n"
                "postlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  std::string pid;
  {
    Client c(inst.port());
    pid = c.ask("pid");
  }
  REQUIRE(master_test::process_alive(std::stoi(pid)));
  CHECK(master_test::eventually([&] { return !master_test::process_alive(std::stoi(pid)); },
                                std::chrono::seconds(5)));
  // No throttling after a normal exit: the next client is served at once.
  Client again(inst.port());
  CHECK(again.ask("hello") == "echo: hello");
  CHECK(inst.log().find("throttling") == std::string::npos);
}

TEST_CASE("a fifo service gets master's wake-up byte", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("postlog unix-dgram n - n - 1 postlogd\n");
  std::string out = inst.dir().file("fifo.out");
  inst.write_master_cf("trigf fifo n n n 1 1 test-trigger -o test_trigger_file=" + out +
                       "\npostlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  struct stat st{};
  REQUIRE(::stat(inst.dir().file("queue/public/trigf").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(eventually([&] { return inst.dir().read("fifo.out").find(" W") != std::string::npos; }));
}

TEST_CASE("postfix start fails with master's reason when an endpoint cannot be bound", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  // Someone else already listens on the service's port.
  auto taken = util::inet_listen("127.0.0.1:" + std::to_string(inst.port()), 5);
  REQUIRE(taken);
  auto start = inst.start();
  CHECK(start.exit_status == 1);
  CHECK(start.err.find("master: fatal: bind 127.0.0.1 port " + std::to_string(inst.port()) +
                       ": Address already in use") != std::string::npos);
  // The failed daemon may still be on its way out when the waiter returns.
  CHECK(eventually([&] { return !inst.master_pid().has_value(); }));
  CHECK(inst.postfix("status").exit_status == 1);
}

TEST_CASE("a conditional wake-up (N?) goes only to a service that has a process", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst("postlog unix-dgram n - n - 1 postlogd\n");
  std::string out = inst.dir().file("cond.out");
  inst.write_master_cf("trigq unix n n n 1? 1 test-trigger -o test_trigger_file=" + out +
                       "\npostlog unix-dgram n - n - 1 postlogd\n");
  REQUIRE(inst.start().exit_status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(inst.dir().read("cond.out").empty());
  {
    // A client of our own starts the process; from then on master wakes it.
    auto fd = util::unix_connect(inst.dir().file("queue/public/trigq"), std::chrono::seconds(5));
    REQUIRE(fd);
    REQUIRE(::write(fd->get(), "X", 1) == 1);
  }
  CHECK(eventually([&] { return inst.dir().read("cond.out").find(" W\\0") != std::string::npos; }));
  CHECK(inst.dir().read("cond.out").find(" X\n") != std::string::npos);
}

TEST_CASE("service processes log main.cf warnings to the mail log", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices, "max_use = 50\nmax_use = 60\n");
  REQUIRE(inst.start().exit_status == 0);
  {
    Client c(inst.port());
    CHECK(c.ask("param max_use") == "60");
  }
  CHECK(inst.log_has("postfix/test-echo["));
  CHECK(inst.log_has("]: warning: " + inst.path() + "/main.cf, line 9: overriding earlier entry: max_use=50"));
}

TEST_CASE("a service program run without master says so and exits", "[master]") {
  auto r = test::run({test::daemon("test-echo")}, {});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("test-echo: fatal: no service endpoint on file descriptor 6") != std::string::npos);
}

TEST_CASE("log lines sent while postlogd is down are written by the next postlogd", "[master][slow]") {
  if (skip_unless_root()) return;
  Instance inst(kEchoServices);
  REQUIRE(inst.start().exit_status == 0);
  pid_t master = *inst.master_pid();
  REQUIRE(inst.log_has("daemon started"));
  // Find postlogd among master's children and kill it.
  pid_t postlogd = 0;
  REQUIRE(eventually([&] {
    for (pid_t k : master_test::children_of(master)) {
      std::ifstream comm("/proc/" + std::to_string(k) + "/comm");
      std::string name;
      comm >> name;
      if (name == "postlogd") postlogd = k;
    }
    return postlogd != 0;
  }));
  ::kill(postlogd, SIGKILL);
  REQUIRE(eventually([&] { return !master_test::process_alive(postlogd); }));
  {
    Client c(inst.port());
    CHECK(c.ask("log after postlogd died") == "logged");
  }
  CHECK(inst.log_has("postfix/test-echo["));
  CHECK(inst.log_has("]: after postlogd died"));
}
