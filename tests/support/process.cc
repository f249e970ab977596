#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "libutil/fd.h"

namespace test {
namespace {

void make_pipe(util::Fd& r, util::Fd& w) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) std::abort();
  r.reset(p[0]);
  w.reset(p[1]);
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  util::Fd in_r, in_w, out_r, out_w, err_r, err_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);
  pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  in_r.reset();
  out_w.reset();
  err_w.reset();
  ::signal(SIGPIPE, SIG_IGN);

  size_t written = 0;
  if (options.stdin_text.empty()) in_w.reset();
  else ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  while (out_r || err_r) {
    std::vector<pollfd> fds;
    if (in_w) fds.push_back({in_w.get(), POLLOUT, 0});
    if (out_r) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r) fds.push_back({err_r.get(), POLLIN, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) continue;
    for (auto& p : fds) {
      if (!p.revents) continue;
      if (in_w && p.fd == in_w.get()) {
        ssize_t n = ::write(in_w.get(), options.stdin_text.data() + written,
                            options.stdin_text.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 || written == options.stdin_text.size()) in_w.reset();
        continue;
      }
      util::Fd& src = (out_r && p.fd == out_r.get()) ? out_r : err_r;
      std::string& dst = (&src == &out_r) ? result.out : result.err;
      char buf[65536];
      ssize_t n = ::read(src.get(), buf, sizeof buf);
      if (n > 0) dst.append(buf, static_cast<size_t>(n));
      else src.reset();
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool have_program(const std::string& path_or_name) {
  if (path_or_name.find('/') != std::string::npos) return ::access(path_or_name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  p += ":/usr/sbin:/sbin";
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find(':', i);
    if (j == std::string::npos) j = p.size();
    std::string cand = p.substr(i, j - i) + "/" + path_or_name;
    if (::access(cand.c_str(), X_OK) == 0) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace test
