#include "libmail/trigger_server.h"

#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "libutil/log.h"
#include "libutil/stream.h"

namespace mail {
namespace {

constexpr size_t kMaxRequest = 1024;

// Everything one client writes before it closes (master sends "W" and the
// NUL in two writes), bounded in size and time.
std::string read_request(util::Fd fd) {
  util::Stream stream(std::move(fd), std::chrono::seconds(5));
  std::string request;
  while (request.size() < kMaxRequest) {
    auto chunk = stream.read_some(kMaxRequest - request.size());
    if (!chunk) break;
    request += *chunk;
    // The NUL ends a request (Postfix clients send it last, then close).
    if (!request.empty() && request.back() == '\0') break;
  }
  return request;
}

}  // namespace

void trigger_server_main(int argc, char** argv, std::string_view program,
                         const TriggerHandler& handler, const ServerHooks& hooks) {
  Daemon daemon = server_start(argc, argv, program, hooks);
  MasterLink master(daemon);
  bool fifo = daemon.options.service_type == "fifo";
  long served = 0;
  for (;;) {
    if (!(wait_for_listener(daemon, master, hooks) & (POLLIN | POLLHUP))) continue;
    std::string request;
    if (fifo) {
      char buf[kMaxRequest];
      ssize_t got = ::read(master.listen_fd(), buf, sizeof buf);
      if (got <= 0) continue;
      request.assign(buf, static_cast<size_t>(got));
    } else {
      auto client = master.accept_client();
      if (!client) {
        util::msg_warn("accept connection: " + client.error().message);
        continue;
      }
      if (!*client) continue;
      request = read_request(std::move(**client));
    }
    master.busy();
    ::alarm(static_cast<unsigned>(daemon.daemon_timeout.count()));  // watchdog
    handler(request, daemon);
    ::alarm(0);
    master.idle();
    if (daemon.max_use > 0 && ++served >= daemon.max_use) server_exit(daemon, hooks);
  }
}

}  // namespace mail
