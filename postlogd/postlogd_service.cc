#include "postlogd/postlogd_service.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "libmail/daemon_options.h"
#include "libmail/mail_log.h"
#include "libmail/server_skeleton.h"
#include "libutil/fd.h"
#include "libutil/log.h"

namespace postlogd {
namespace {

constexpr size_t kMaxLine = 16384;  // longer datagrams are truncated by recv

}  // namespace

int run(int argc, char** argv) {
  mail::Daemon daemon = mail::daemon_init(argc, argv, "postlogd");
  mail::MailLogOptions log;
  log.direct_only = true;
  mail::mail_log_init(daemon.config, "postlogd", log);

  std::string path = daemon.config.get("maillog_file");
  if (path.empty()) util::msg_fatal("no maillog_file configured: postlogd has nothing to do");
  util::Fd file(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!file) util::msg_fatal("open logfile " + path + ": " + std::strerror(errno));
  mail::daemon_enter_jail(daemon);

  mail::MasterLink master(daemon);
  std::string buf(kMaxLine + 1, '\0');
  int timeout_ms = daemon.max_idle.count() > 0 ? static_cast<int>(daemon.max_idle.count() * 1000) : -1;
  for (;;) {
    pollfd fds[2] = {{master.listen_fd(), POLLIN, 0}, {master.status_fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || fds[1].revents) return 0;  // idle too long, or master went away
    // Drain everything queued, one line per datagram.
    for (;;) {
      ssize_t got = ::recv(master.listen_fd(), buf.data(), kMaxLine, MSG_DONTWAIT);
      if (got <= 0) break;
      std::string line(buf.data(), static_cast<size_t>(got));
      if (line.empty() || line.back() != '\n') line += '\n';
      (void)!::write(file.get(), line.data(), line.size());
    }
  }
}

}  // namespace postlogd
