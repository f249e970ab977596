// The parts the three server skeletons share: hooks a daemon may supply, and
// MasterLink, a child's side of the master plumbing (status on fd 5, the
// listening endpoint on fd 6, the accept lock on fd 8).
// A daemon does not use MasterLink directly; it calls one of
//   single_server_main  (libmail/single_server.h)  one client at a time: smtpd, local
//   multi_server_main   (libmail/multi_server.h)   many clients, event loop: cleanup, qmgr
//   trigger_server_main (libmail/trigger_server.h) short wake-up requests: pickup, qmgr
// Life cycle every skeleton follows: daemon_init (options, main.cf, log),
// hooks.pre_jail (open what needs root or lives outside the chroot),
// daemon_enter_jail (chroot/-c, mail_owner/-u), hooks.post_jail, then serve
// until max_use requests, max_idle seconds without a client, or master goes
// away (EOF on fd 5; master closes its end at reload and stop), and exit 0.
// Easy to get wrong: tell master "busy" BEFORE serving a client and "idle"
// after, or master will not start another process when all are busy.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "libmail/daemon_options.h"
#include "libutil/error.h"
#include "libutil/fd.h"

namespace mail {

struct ServerHooks {
  std::function<void(Daemon&)> pre_jail;   // as root, before chroot
  std::function<void(Daemon&)> post_jail;  // after chroot and privilege drop
  std::function<void(Daemon&)> pre_exit;   // before a normal exit (statistics)
  // single-client skeleton: a client is waiting, before accepting it
  // (Postfix's pre_accept: a daemon whose tables changed exits here, and a
  // fresh process takes the client).
  std::function<void(Daemon&)> pre_accept;
};

class MasterLink {
 public:
  explicit MasterLink(const Daemon& daemon);
  MasterLink(const MasterLink&) = delete;
  MasterLink& operator=(const MasterLink&) = delete;

  // Tell master we took a client / are available again. Failures are
  // ignored: a child without master exits at its next look at fd 5.
  void busy();
  void idle();
  // True when master closed its end of the status channel (reload, stop,
  // master died): time to exit once the current client is done.
  bool master_gone() const;
  int status_fd() const { return status_ok_ ? kStatusFd : -1; }
  int listen_fd() const { return kListenFd; }
  // Accept one client on the shared endpoint, serialised with the other
  // processes of the service by the accept lock. nullopt when another
  // process was faster.
  util::Result<std::optional<util::Fd>> accept_client();

 private:
  static constexpr int kStatusFd = 5;
  static constexpr int kListenFd = 6;
  static constexpr int kLockFd = 8;
  void send(int avail);
  bool status_ok_ = false;
  bool lock_ok_ = false;
  unsigned generation_ = 0;
};

// daemon_init + pre_jail + daemon_enter_jail + post_jail: what every
// skeleton does before its loop.
Daemon server_start(int argc, char** argv, std::string_view program, const ServerHooks& hooks);

// Block until the listening endpoint has an event and return its revents.
// Exits the process (server_exit) when master goes away or max_idle passes
// without one; fatal when poll itself fails.
short wait_for_listener(Daemon& daemon, const MasterLink& master, const ServerHooks& hooks);

// Exit the process the way a skeleton does at the end of its life.
[[noreturn]] void server_exit(Daemon& daemon, const ServerHooks& hooks);

}  // namespace mail
