#include "libmail/single_server.h"

#include <poll.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "libutil/log.h"

namespace mail {

void single_server_main(int argc, char** argv, std::string_view program,
                        const SingleHandler& handler, const ServerHooks& hooks) {
  Daemon daemon = server_start(argc, argv, program, hooks);
  MasterLink master(daemon);
  long served = 0;
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
    if (!(fds[0].revents & POLLIN)) continue;
    auto client = master.accept_client();
    if (!client) {
      util::msg_warn("accept connection: " + client.error().message);
      continue;
    }
    if (!*client) continue;  // another process took it
    master.busy();
    {
      util::Stream stream(std::move(**client), daemon.ipc_timeout);
      // Postfix's watchdog: a process stuck this long is killed.
      ::alarm(static_cast<unsigned>(daemon.daemon_timeout.count()));
      handler(stream, daemon);
      ::alarm(0);
      (void)stream.flush();
    }
    master.idle();
    if (daemon.max_use > 0 && ++served >= daemon.max_use) server_exit(daemon, hooks);
  }
}

}  // namespace mail
