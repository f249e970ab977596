// fork/exec with fixed fd numbers, deadlines, and run_command (child_process.h).
#include "libutil/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "libutil/fd.h"
#include "libutil/os.h"
#include "libutil/privileges.h"

extern char** environ;

namespace util {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxMappedFds = 64;

// In the child between fork and exec: report errno and the failing step
// through the pipe, then exit. Only async-signal-safe calls here.
[[noreturn]] void child_fail(int report_fd, int step) {
  int msg[2] = {step, errno};
  ssize_t ignored = ::write(report_fd, msg, sizeof msg);
  (void)ignored;
  _exit(127);
}

enum Step { kStepDup = 1, kStepDevNull, kStepChdir, kStepSetsid, kStepIds, kStepExec };

const char* step_name(int step) {
  switch (step) {
    case kStepDup: return "dup2";
    case kStepDevNull: return "open /dev/null";
    case kStepChdir: return "chdir";
    case kStepSetsid: return "setsid";
    case kStepIds: return "set_ugid";
    default: return "execvp";
  }
}

void close_range_safe(int from, int to) {
  // close_range(2) exists on Linux >= 5.9; fall back to a loop.
  if (from > to) return;
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, from, to, 0) == 0) return;
#endif
  for (int fd = from; fd <= std::min(to, 65535); ++fd) ::close(fd);
}

}  // namespace

bool ExitStatus::exited() const { return WIFEXITED(raw); }
int ExitStatus::code() const { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }
bool ExitStatus::signaled() const { return WIFSIGNALED(raw); }
int ExitStatus::signal() const { return WIFSIGNALED(raw) ? WTERMSIG(raw) : 0; }

std::string ExitStatus::describe() const {
  if (exited()) return "exited with status " + std::to_string(code());
  if (signaled()) return "killed by signal " + std::to_string(signal());
  return "stopped";
}

Result<ChildProcess> ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return fail("spawn: empty argument list");
  // Everything the child needs is built before fork (no allocation after).
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.env) {
    for (const auto& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  if (options.fds.size() > kMaxMappedFds) return fail("spawn: too many file descriptors to pass");
  int max_target = 2;
  for (auto [from, to] : options.fds) max_target = std::max(max_target, to);
  int base = max_target + 1;

  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) return fail_errno("pipe");
  Fd report_read(report[0]);
  Fd report_write_tmp(report[1]);
  // Keep the report fd above every target number so nothing clobbers it.
  Fd report_write(::fcntl(report_write_tmp.get(), F_DUPFD_CLOEXEC, base + static_cast<int>(options.fds.size())));
  if (!report_write) return fail_errno("fcntl F_DUPFD");
  report_write_tmp.reset();

  pid_t pid = os::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) {
    // Postern processes are single-threaded when they spawn, so the few
    // allocations below (set_ugid's error text) cannot deadlock on a lock
    // another thread held at fork time.
    int rfd = report_write.get();
    // Default signal handling: ignored signals would survive exec.
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    if (options.new_process_group && ::setsid() < 0) child_fail(rfd, kStepSetsid);
    // Two passes so a source that is also some other target is not lost.
    int high[kMaxMappedFds];
    size_t count = options.fds.size();
    for (size_t i = 0; i < count; ++i) {
      high[i] = ::fcntl(options.fds[i].first, F_DUPFD_CLOEXEC, base);
      if (high[i] < 0) child_fail(rfd, kStepDup);
    }
    bool mapped[3] = {false, false, false};
    for (size_t i = 0; i < count; ++i) {
      int to = options.fds[i].second;
      if (::dup2(high[i], to) < 0) child_fail(rfd, kStepDup);
      if (to <= 2) mapped[to] = true;
    }
    for (int std_fd = 0; std_fd <= 2; ++std_fd) {
      if (mapped[std_fd]) continue;
      int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd < 0) child_fail(rfd, kStepDevNull);
      if (null_fd != std_fd) {
        if (::dup2(null_fd, std_fd) < 0) child_fail(rfd, kStepDup);
        ::close(null_fd);
      }
    }
    if (options.close_other_fds) {
      // Close 3..max_target except targets, then everything above but rfd.
      for (int fd = 3; fd <= max_target; ++fd) {
        bool keep = false;
        for (size_t i = 0; i < count; ++i) keep = keep || options.fds[i].second == fd;
        if (!keep) ::close(fd);
      }
      close_range_safe(base, rfd - 1);
      close_range_safe(rfd + 1, 0x7fffffff);
    }
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) < 0) child_fail(rfd, kStepChdir);
    if (options.uid || options.gid) {
      uid_t uid = options.uid ? *options.uid : ::getuid();
      gid_t gid = options.gid ? *options.gid : ::getgid();
      if (!set_ugid(uid, gid)) child_fail(rfd, kStepIds);
    }
    if (options.env) {
      ::execvpe(argv[0], argv.data(), envp.data());
    } else {
      ::execvp(argv[0], argv.data());
    }
    child_fail(rfd, kStepExec);
  }
  report_write.reset();
  ChildProcess child(pid, options.new_process_group);
  int msg[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report_read.get(), msg, sizeof msg);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof msg)) {
    (void)child.wait(std::chrono::seconds(5));
    std::string what = std::string(step_name(msg[0]));
    if (msg[0] == kStepExec) what += " " + options.argv[0];
    if (msg[0] == kStepChdir) what += " " + options.cwd;
    return fail_errno(what, msg[1]);
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), group_(other.group_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) {
      kill(SIGKILL);
      (void)wait(std::chrono::seconds(10));
    }
    pid_ = std::exchange(other.pid_, -1);
    group_ = other.group_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (!running()) return;
  kill(SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

void ChildProcess::kill(int sig) {
  if (!running()) return;
  if (group_) ::kill(-pid_, sig);
  ::kill(pid_, sig);
}

pid_t ChildProcess::detach() { return std::exchange(pid_, -1); }

Result<std::optional<ExitStatus>> ChildProcess::try_wait() {
  if (!running()) return fail("wait: no child process");
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r < 0) return fail_errno("waitpid");
  if (r == 0) return std::optional<ExitStatus>();
  pid_ = -1;
  return std::optional<ExitStatus>(ExitStatus{status});
}

Result<ExitStatus> ChildProcess::wait(Duration timeout) {
  auto deadline = Clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  for (;;) {
    auto r = try_wait();
    if (!r) return std::unexpected(r.error());
    if (*r) return **r;
    if (Clock::now() >= deadline) return fail_kind(ErrorKind::kTimeout, "wait: timeout");
    // Short sleeps first: most commands end quickly.
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(step, deadline - Clock::now()));
    step = std::min(step * 2, std::chrono::milliseconds(50));
  }
}

Result<CommandResult> run_command(const CommandOptions& options) {
  int in_pipe[2], out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) < 0) return fail_errno("pipe");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  Fd in_read, in_write;
  SpawnOptions spawn = options.spawn;
  if (options.stdin_fd >= 0) {
    spawn.fds.push_back({options.stdin_fd, 0});
  } else {
    if (::pipe2(in_pipe, O_CLOEXEC) < 0) return fail_errno("pipe");
    in_read.reset(in_pipe[0]);
    in_write.reset(in_pipe[1]);
    spawn.fds.push_back({in_read.get(), 0});
  }
  spawn.fds.push_back({out_write.get(), 1});
  spawn.fds.push_back({out_write.get(), 2});
  spawn.new_process_group = true;
  auto child = ChildProcess::spawn(spawn);
  if (!child) return std::unexpected(child.error());
  in_read.reset();
  out_write.reset();

  // The command may stop reading its input; that must give EPIPE here, not
  // a SIGPIPE that kills the delivery agent.
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

  CommandResult result;
  auto deadline = Clock::now() + options.time_limit;
  size_t written = 0;
  if (in_write) {
    ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
    if (options.stdin_data.empty()) in_write.reset();
  }
  while (out_read) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p[2];
    nfds_t np = 0;
    p[np++] = {out_read.get(), POLLIN, 0};
    if (in_write) p[np++] = {in_write.get(), POLLOUT, 0};
    int n = ::poll(p, np, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (np == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = os::write(in_write.get(), options.stdin_data.data() + written,
                            options.stdin_data.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_data.size())
        in_write.reset();  // done, or the command stopped reading
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      ssize_t r = ::read(out_read.get(), buf, sizeof buf);
      if (r == 0) {
        out_read.reset();
      } else if (r > 0) {
        size_t room = options.output_limit - std::min(options.output_limit, result.output.size());
        size_t keep = std::min(room, static_cast<size_t>(r));
        result.output.append(buf, keep);
        if (keep < static_cast<size_t>(r)) result.output_truncated = true;
      } else if (errno != EINTR && errno != EAGAIN) {
        out_read.reset();
      }
    }
  }
  in_write.reset();
  if (!was_pending) {
    struct timespec zero {0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_set, nullptr);

  if (!result.timed_out) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto status = child->wait(std::max(left, std::chrono::milliseconds(0)));
    if (status) {
      result.status = *status;
      return result;
    }
    if (status.error().kind != ErrorKind::kTimeout) return std::unexpected(status.error());
    result.timed_out = true;
  }
  child->kill(SIGKILL);
  auto status = child->wait(std::chrono::seconds(10));
  if (!status) return std::unexpected(status.error());
  result.status = *status;
  return result;
}

}  // namespace util
