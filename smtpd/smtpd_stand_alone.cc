// smtpd -S: the SMTP engine on stdin/stdout for `sendmail -bs`, as the
// invoking user, without master, chroot or privilege change. As Postfix's
// stand-alone smtpd: the user is trusted (no client/HELO/sender/recipient
// restrictions, no STARTTLS, AUTH, XCLIENT, ETRN), the client is called
// localhost[127.0.0.1], and every message goes through postdrop into
// maildrop/ (set-gid postdrop does the writing), never to cleanup. A
// network client on stdin is refused (fatal), as Postfix refuses it.
// Easy to get wrong: stdout is the SMTP channel, so nothing else may write
// to it: logging goes to the mail log only. SIGCHLD may come ignored from
// the invoking program; postdrop's status needs it back at the default.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "libmail/daemon_options.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/socket.h"
#include "smtpd/smtpd_service.h"
#include "smtpd/smtpd_session.h"

namespace smtpd {

void run_stand_alone(int argc, char** argv) {
  // The parent (swaks, a Perl script) may have left SIGCHLD ignored, which
  // would reap postdrop behind our back and hide its exit status.
  ::signal(SIGCHLD, SIG_DFL);
  mail::Daemon daemon = mail::daemon_init(argc, argv, "smtpd");
  // A user's smtpd trusts its client and skips every access policy, so it
  // must not talk to the network (inetd and the like); as Postfix's.
  if (auto peer = util::peer_address(0);
      peer && (peer->family == AF_INET || peer->family == AF_INET6)) {
    util::msg_error("incorrect SMTP server privileges: uid=" + std::to_string(::getuid()) +
                    " euid=" + std::to_string(::geteuid()));
    util::msg_fatal("the Postfix SMTP server must run with $mail_owner privileges");
  }
  // chdir(queue_directory) and the log socket; no -c/-u here, so no chroot
  // and no mail_owner.
  mail::daemon_enter_jail(daemon);
  Settings settings = read_settings(daemon.config, daemon.ipc_timeout);
  PostdropQueue queue(daemon.config.get("command_directory") + "/postdrop", daemon.ipc_timeout);
  Services services;
  services.config = &daemon.config;
  services.settings = &settings;
  services.queue = &queue;
  services.stand_alone = true;
  int in = ::fcntl(0, F_DUPFD_CLOEXEC, 3), out = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0) util::msg_fatal("stand-alone mode requires stdin and stdout");
  {
    util::Stream stream(util::Fd(in), util::Fd(out), settings.timeout);
    Engine engine(stream, services, daemon.options.service_name);
    engine.run();
    (void)stream.flush();
  }
  std::exit(0);
}

}  // namespace smtpd
