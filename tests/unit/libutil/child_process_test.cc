#include "libutil/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>

#include "libutil/os.h"
#include "libutil/socket.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

TEST_CASE("a child's exit status and signal are reported in Postfix's words", "[child]") {
  util::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "exit 3"};
  auto c = util::ChildProcess::spawn(o);
  REQUIRE(c);
  auto st = c->wait(5s);
  REQUIRE(st);
  REQUIRE(st->exited());
  REQUIRE(st->code() == 3);
  REQUIRE(st->describe() == "exited with status 3");
  REQUIRE_FALSE(c->running());

  o.argv = {"sleep", "30"};
  auto s = util::ChildProcess::spawn(o);
  REQUIRE(s);
  auto early = s->wait(50ms);
  REQUIRE_FALSE(early);
  REQUIRE(early.error().kind == util::ErrorKind::kTimeout);
  s->kill(SIGTERM);
  auto killed = s->wait(5s);
  REQUIRE(killed);
  REQUIRE(killed->signaled());
  REQUIRE(killed->describe() == "killed by signal 15");
}

TEST_CASE("exec failure comes back to the parent as an error", "[child]") {
  util::SpawnOptions o;
  o.argv = {"/nonexistent/program"};
  auto c = util::ChildProcess::spawn(o);
  REQUIRE_FALSE(c);
  REQUIRE(c.error().message == "execvp /nonexistent/program: No such file or directory");
  o.argv = {"/bin/true"};
  o.cwd = "/nonexistent-dir";
  auto d = util::ChildProcess::spawn(o);
  REQUIRE_FALSE(d);
  REQUIRE(d.error().message == "chdir /nonexistent-dir: No such file or directory");
}

TEST_CASE("an injected fork failure is reported, not crashed on", "[child]") {
  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kFork, 1, EAGAIN);
  util::SpawnOptions o;
  o.argv = {"/bin/true"};
  auto c = util::ChildProcess::spawn(o);
  util::os::clear_injected_failures();
  REQUIRE_FALSE(c);
  REQUIRE(c.error().message == "fork: Resource temporarily unavailable");
}

TEST_CASE("fds arrive at their fixed numbers and nothing else leaks", "[child]") {
  test::TempDir dir;
  // A socket at fd 6 as master passes a service's listener; a stray fd
  // without close-on-exec must not reach the child.
  auto listener = util::unix_listen(dir.file("sock"), 5);
  REQUIRE(listener);
  int stray = ::open("/dev/null", O_RDONLY);  // deliberately not O_CLOEXEC
  REQUIRE(stray >= 0);
  util::Fd stray_owner(stray);
  util::Fd out(::open(dir.file("out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  util::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "ls /proc/self/fd; test -S /proc/self/fd/6 && echo sock6"};
  o.fds = {{listener->get(), 6}, {out.get(), 1}};
  auto c = util::ChildProcess::spawn(o);
  REQUIRE(c);
  auto st = c->wait(5s);
  REQUIRE(st);
  REQUIRE(st->code() == 0);
  std::string text = dir.read("out");
  // ls itself opens one more fd for the directory it lists.
  REQUIRE(text.find("sock6") != std::string::npos);
  REQUIRE(text.find(std::to_string(stray) + "\n") == std::string::npos);
}

TEST_CASE("a child still running is killed and reaped by the destructor", "[child]") {
  pid_t pid;
  {
    util::SpawnOptions o;
    o.argv = {"sleep", "30"};
    auto c = util::ChildProcess::spawn(o);
    REQUIRE(c);
    pid = c->pid();
    REQUIRE(::kill(pid, 0) == 0);
  }
  // Reaped: the pid no longer names our child.
  REQUIRE(::waitpid(pid, nullptr, WNOHANG) == -1);
  REQUIRE(errno == ECHILD);
}

TEST_CASE("run_command feeds stdin and captures merged output", "[child]") {
  util::CommandOptions o;
  o.spawn.argv = {"/bin/sh", "-c", "tr a-z A-Z; echo oops >&2; exit 75"};
  o.stdin_data = "hello\n";
  auto r = util::run_command(o);
  REQUIRE(r);
  REQUIRE(r->status.code() == 75);
  REQUIRE(r->output == "HELLO\noops\n");
  REQUIRE_FALSE(r->timed_out);
  REQUIRE_FALSE(r->output_truncated);
}

TEST_CASE("run_command bounds the output it keeps", "[child]") {
  util::CommandOptions o;
  o.spawn.argv = {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"};
  o.output_limit = 1000;
  auto r = util::run_command(o);
  REQUIRE(r);
  REQUIRE(r->status.code() == 0);
  REQUIRE(r->output == std::string(1000, 'x'));
  REQUIRE(r->output_truncated);
}

TEST_CASE("run_command kills the whole process group at the time limit", "[child]") {
  test::TempDir dir;
  util::CommandOptions o;
  // The shell's child holds the output pipe open: only a group kill ends it.
  o.spawn.argv = {"/bin/sh", "-c", "sleep 30; echo done"};
  o.time_limit = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = util::run_command(o);
  REQUIRE(r);
  REQUIRE(r->timed_out);
  REQUIRE(r->status.signaled());
  REQUIRE(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a command that ignores its input does not kill us with SIGPIPE", "[child]") {
  util::CommandOptions o;
  o.spawn.argv = {"/bin/true"};
  o.stdin_data = std::string(1 << 20, 'y');
  auto r = util::run_command(o);
  REQUIRE(r);
  REQUIRE(r->status.code() == 0);
}

TEST_CASE("run_command takes stdin from an fd and can run as another user", "[child]") {
  test::TempDir dir;
  std::string in = dir.write("msg", "From: a\n\nbody\n");
  util::Fd fd(::open(in.c_str(), O_RDONLY | O_CLOEXEC));
  util::CommandOptions o;
  o.spawn.argv = {"/bin/sh", "-c", "wc -l; id -u"};
  o.stdin_fd = fd.get();
  if (::geteuid() == 0) {
    o.spawn.uid = 65534;
    o.spawn.gid = 65534;
  }
  auto r = util::run_command(o);
  REQUIRE(r);
  std::string uid = ::geteuid() == 0 ? "65534" : std::to_string(::geteuid());
  REQUIRE(r->output == "3\n" + uid + "\n");
}
