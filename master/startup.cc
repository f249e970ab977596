#include "master/startup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "libconf/config.h"
#include "libmail/mail_log.h"
#include "libutil/fd.h"
#include "libutil/lock.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "master/master.h"

namespace master {
namespace {

struct Options {
  std::string config_dir;
  bool foreground = false;
  bool test = false;
  bool wait = false;
};

[[noreturn]] void usage() {
  util::msg_fatal("usage: master [-c config_dir] [-D (debug)] [-d (don't detach from terminal)] "
                  "[-e (exit time)] [-t (test)] [-v (verbose)] [-w (wait for initialization)]");
}

Options parse(int argc, char** argv) {
  Options o;
  int c;
  while ((c = ::getopt(argc, argv, "c:Dde:istvw")) != -1) {
    switch (c) {
      case 'c': o.config_dir = optarg; break;
      case 'd': o.foreground = true; break;
      case 't': o.test = true; break;
      case 'w': o.wait = true; break;
      case 'D': case 'e': case 'i': case 's': case 'v': break;
      default: usage();
    }
  }
  if (optind < argc) usage();
  return o;
}

// master -t: exit 0 when no master holds pid/master.pid.
int test_running() {
  util::Fd fd(::open("pid/master.pid", O_RDWR | O_CLOEXEC));
  if (!fd) return errno == ENOENT ? 0 : 1;
  auto locked = util::fcntl_locked_by_other(fd.get());
  return locked && !*locked ? 0 : 1;
}

// Fork; the parent exits (after the child's word when -w). Returns in the
// child, with the write end of the -w pipe (or an invalid Fd).
util::Fd detach(bool wait) {
  int pipe_fds[2] = {-1, -1};
  if (wait && ::pipe2(pipe_fds, O_CLOEXEC) < 0)
    util::msg_fatal(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) util::msg_fatal(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) {
    if (!wait) ::_exit(0);
    ::close(pipe_fds[1]);
    char byte = 0;
    ssize_t n;
    do n = ::read(pipe_fds[0], &byte, 1);
    while (n < 0 && errno == EINTR);
    ::_exit(n == 1 ? 0 : 1);
  }
  ::setsid();
  if (wait) ::close(pipe_fds[0]);
  return util::Fd(wait ? pipe_fds[1] : -1);
}

void redirect_stdio() {
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) return;
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
  if (null_fd > 2) ::close(null_fd);
}

}  // namespace

int master_main(int argc, char** argv) {
  util::set_program_name("master");
  Options opts = parse(argc, argv);
  ::umask(022);

  mail::MailLogOptions log;
  log.to_stderr = !opts.test;
  {
    // Log set-up first, so main.cf warnings reach the mail log too.
    conf::LoadOptions quiet;
    quiet.config_dir = opts.config_dir;
    quiet.warn = false;
    if (auto config = conf::Config::load(quiet)) mail::mail_log_init(*config, "master", log);
  }
  auto settings = load_master_settings(opts.config_dir);
  if (!settings) util::msg_fatal(settings.error().message);
  mail::mail_log_init(settings->config, "master", log);

  if (::chdir(settings->queue_directory.c_str()) < 0)
    util::msg_fatal("chdir " + settings->queue_directory + ": " + std::strerror(errno));
  if (opts.test) return test_running();
  if (::geteuid() != 0) util::msg_fatal("the master command is reserved for the superuser");
  ::mkdir("pid", 0755);  // postfix check normally made it

  util::Fd ready;
  if (!opts.foreground) ready = detach(opts.wait);

  std::string lock_path = settings->data_directory + "/master.lock";
  auto lock = util::PidLockFile::acquire(lock_path);
  if (!lock) util::msg_fatal(lock.error().message);
  if (auto owner = util::lookup_user(settings->mail_owner); owner && *owner)
    (void)!::fchown(lock->fd(), (*owner)->uid, (*owner)->gid);
  auto pid_file = util::PidLockFile::acquire("pid/master.pid");
  if (!pid_file) util::msg_fatal(pid_file.error().message);

  std::string version = settings->mail_version;
  std::string config_dir = settings->config_directory;
  Master master(std::move(*settings));
  master.start();
  if (!opts.foreground) {
    util::set_log_stderr(false);
    redirect_stdio();
  }
  util::msg_info("daemon started -- version " + version + ", configuration " + config_dir);
  if (ready) {
    char byte = 1;
    (void)!::write(ready.get(), &byte, 1);
    ready.reset();
  }
  return master.run();
}

}  // namespace master
