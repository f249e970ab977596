#include "libmail/server_skeleton.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libmail/master_proto.h"
#include "libutil/lock.h"
#include "libutil/log.h"
#include "libutil/socket.h"

namespace mail {

static_assert(kMasterStatusFd == 5 && kMasterListenFd == 6 && kMasterLockFd == 8);

MasterLink::MasterLink(const Daemon& daemon) {
  status_ok_ = ::fcntl(kStatusFd, F_GETFD) >= 0;
  // With process_limit 1 master passes no lock: nobody to race with.
  lock_ok_ = !daemon.options.single_process && ::fcntl(kLockFd, F_GETFD) >= 0;
  if (const char* gen = std::getenv(kMasterGenerationEnv))
    generation_ = static_cast<unsigned>(std::strtoul(gen, nullptr, 16));
  // Keep our endpoint descriptors out of programs we run (local's pipes).
  for (int fd : {kStatusFd, kListenFd, kLockFd, kMasterFlowReadFd, kMasterFlowWriteFd, 7})
    if (::fcntl(fd, F_GETFD) >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  // A lost accept race must return EAGAIN, not block (stream endpoints only).
  if (daemon.options.service_type == "inet" || daemon.options.service_type == "unix" ||
      daemon.options.service_type == "pass")
    (void)util::set_nonblocking(kListenFd, true);
}

void MasterLink::send(int avail) {
  if (!status_ok_) return;
  MasterStatusMessage msg;
  msg.pid = static_cast<int>(::getpid());
  msg.generation = generation_;
  msg.avail = avail;
  // One write of a fixed size: children of a service share this socket.
  if (::write(kStatusFd, &msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) status_ok_ = false;
}

void MasterLink::busy() { send(kMasterStatTaken); }
void MasterLink::idle() { send(kMasterStatAvail); }

bool MasterLink::master_gone() const {
  if (!status_ok_) return false;
  pollfd p{kStatusFd, POLLIN, 0};
  // Master never writes to us: readable means EOF or error.
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

util::Result<std::optional<util::Fd>> MasterLink::accept_client() {
  std::optional<util::FileLock> lock;
  if (lock_ok_) {
    auto l = util::FileLock::acquire(kLockFd, util::LockStyle::kFcntl, util::LockMode::kExclusive,
                                     util::LockWait{std::chrono::seconds(1), std::chrono::milliseconds(10)});
    if (!l) return std::optional<util::Fd>{};  // someone else is accepting
    lock = std::move(*l);
  }
  return util::accept_nonblock(kListenFd);
}

Daemon server_start(int argc, char** argv, std::string_view program, const ServerHooks& hooks) {
  Daemon daemon = daemon_init(argc, argv, program);
  // Without master's endpoint there is nothing to serve (and poll() on a
  // closed fd would spin): this program is meant to be started by master.
  if (::fcntl(kMasterListenFd, F_GETFD) < 0)
    util::msg_fatal("no service endpoint on file descriptor " + std::to_string(kMasterListenFd) +
                    ": " + daemon.program + " is started by the master daemon");
  if (hooks.pre_jail) hooks.pre_jail(daemon);
  daemon_enter_jail(daemon);
  if (hooks.post_jail) hooks.post_jail(daemon);
  return daemon;
}

void server_exit(Daemon& daemon, const ServerHooks& hooks) {
  if (hooks.pre_exit) hooks.pre_exit(daemon);
  std::exit(0);
}

short wait_for_listener(Daemon& daemon, const MasterLink& master, const ServerHooks& hooks) {
  for (;;) {
    if (master.master_gone()) server_exit(daemon, hooks);
    pollfd fds[2] = {{master.listen_fd(), POLLIN, 0}, {master.status_fd(), POLLIN, 0}};
    int timeout_ms = daemon.max_idle.count() > 0
                         ? static_cast<int>(daemon.max_idle.count() * 1000) : -1;
    int n = ::poll(fds, 2, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      util::msg_fatal(std::string("poll: ") + std::strerror(errno));
    }
    if (n == 0) server_exit(daemon, hooks);  // max_idle without a client
    if (fds[1].revents) server_exit(daemon, hooks);
    if (fds[0].revents) return fds[0].revents;
  }
}

}  // namespace mail
