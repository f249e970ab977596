#include "libmail/single_server.h"

#include <poll.h>

#include <unistd.h>

#include <chrono>

#include "libutil/log.h"

namespace mail {

void single_server_main(int argc, char** argv, std::string_view program,
                        const SingleHandler& handler, const ServerHooks& hooks) {
  Daemon daemon = server_start(argc, argv, program, hooks);
  MasterLink master(daemon);
  long served = 0;
  for (;;) {
    if (!(wait_for_listener(daemon, master, hooks) & POLLIN)) continue;
    if (hooks.pre_accept) hooks.pre_accept(daemon);
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
