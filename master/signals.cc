#include "master/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libutil/log.h"

namespace master {
namespace {

int pipe_fds[2] = {-1, -1};  // set once by install_signal_pipe

void on_signal(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  (void)!::write(pipe_fds[1], &byte, 1);
  errno = saved;
}

}  // namespace

int install_signal_pipe() {
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
    util::msg_fatal(std::string("pipe: ") + std::strerror(errno));
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGHUP, SIGTERM, SIGINT, SIGCHLD}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return pipe_fds[0];
}

std::vector<int> drain_signals() {
  std::vector<int> out;
  unsigned char buf[64];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; ++i) out.push_back(buf[i]);
  return out;
}

}  // namespace master
