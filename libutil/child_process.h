// util::ChildProcess: fork+exec with a chosen argv/environment, fds placed at
// fixed numbers (master hands every service its listening socket at fd 6,
// status channel at 5, ...), wait with a deadline, kill and reap on
// destruction. run_command builds on it for local's "|command" deliveries
// and mailbox_command: stdin from a string or fd, a time limit, and the
// command's output captured up to a bound.
// Easy to get wrong: exec failure happens in the child, where nobody would
// see it; spawn() reports it back through a close-on-exec pipe so the caller
// gets "execvp /bin/x: No such file or directory" as an error. And a command
// run by a shell has grandchildren: run_command puts it in its own process
// group and kills the whole group on timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/error.h"

namespace util {

struct ExitStatus {
  int raw = 0;  // as from waitpid
  bool exited() const;
  int code() const;  // exit code when exited(), else -1
  bool signaled() const;
  int signal() const;  // signal number when signaled(), else 0
  // "exited with status 1", "killed by signal 9", the words Postfix logs.
  std::string describe() const;
};

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0]: program; searched in PATH if it has no '/'
  std::optional<std::vector<std::string>> env;  // "NAME=value"; nullopt inherits ours
  // {fd in this process, number in the child}; other fds are closed unless
  // close_other_fds is false. 0, 1, 2 not listed become /dev/null.
  std::vector<std::pair<int, int>> fds;
  bool close_other_fds = true;
  std::string cwd;                  // "" keeps ours
  bool new_process_group = false;   // setsid(): signal the group as a whole
  std::optional<uid_t> uid;         // run as uid/gid (set_ugid) when set
  std::optional<gid_t> gid;
};

class ChildProcess {
 public:
  using Duration = std::chrono::milliseconds;

  static Result<ChildProcess> spawn(const SpawnOptions& options);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A child still running is killed (SIGKILL, whole group if it has one)
  // and reaped: no process outlives its owner by accident.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Wait up to `timeout`; kTimeout error when it is still running.
  Result<ExitStatus> wait(Duration timeout);
  // Non-blocking: the status if it has ended.
  Result<std::optional<ExitStatus>> try_wait();
  // Signal the child (or its process group when it has one).
  void kill(int sig);
  // Give up ownership (master reaps its services from SIGCHLD itself).
  pid_t detach();

 private:
  ChildProcess(pid_t pid, bool group) : pid_(pid), group_(group) {}
  pid_t pid_ = -1;
  bool group_ = false;
};

struct CommandOptions {
  SpawnOptions spawn;  // fds 0/1/2 are set up by run_command
  std::string stdin_data;      // written to the command's stdin...
  int stdin_fd = -1;           // ...or this fd becomes its stdin
  std::chrono::milliseconds time_limit{std::chrono::seconds(1000)};  // command_time_limit
  size_t output_limit = 8192;  // stdout+stderr kept, the rest read and dropped
};

struct CommandResult {
  ExitStatus status;
  std::string output;  // stdout and stderr interleaved, at most output_limit
  bool output_truncated = false;
  bool timed_out = false;  // killed at the time limit; status says how
};

// Run a command to completion. Errors are for failing to start it; a
// command that fails or times out is a CommandResult.
Result<CommandResult> run_command(const CommandOptions& options);

}  // namespace util
