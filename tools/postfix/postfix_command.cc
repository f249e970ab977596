#include "tools/postfix/postfix_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libconf/config.h"
#include "libmail/mail_log.h"
#include "libutil/child_process.h"
#include "libutil/fd.h"
#include "libutil/lock.h"
#include "libutil/log.h"
#include "libutil/socket.h"
#include "tools/postfix/queue_check.h"

namespace postfix_cmd {
namespace {

constexpr const char* kUsage =
    "Usage: postfix start (or stop, reload, abort, flush, check, status, set-permissions, "
    "upgrade-configuration, logrotate)";

// The PID of a running master, nullopt when none holds pid/master.pid.
std::optional<long> running_master(const std::string& queue_dir) {
  std::string path = queue_dir + "/pid/master.pid";
  util::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return std::nullopt;
  auto locked = util::fcntl_locked_by_other(fd.get());
  if (!locked || !*locked) return std::nullopt;
  auto pid = util::read_pid_file(path);
  if (!pid) return std::nullopt;
  return *pid;
}

// Connect, write the request and its NUL in two writes, close (as
// postqueue -f does); false when the service is not there.
bool trigger(const std::string& path, std::string_view request) {
  auto fd = util::unix_connect(path, std::chrono::seconds(5));
  if (!fd) return false;
  (void)::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL);
  (void)::send(fd->get(), "", 1, MSG_NOSIGNAL);
  return true;
}

// Run $command_directory/postsuper ARGS with stderr shared (its messages
// are the administrator's to see) and return whether it succeeded. As
// postfix-script does: `postsuper` (-s -p: queue file names and leftover
// temporary files) at start and check, `postsuper active` before a reload.
bool run_postsuper(const conf::Config& config, std::vector<std::string> args) {
  util::SpawnOptions spawn;
  spawn.argv = {config.get("command_directory") + "/postsuper"};
  // A build tree started with another command_directory has no postsuper
  // there: say so and go on rather than refuse to start.
  if (::access(spawn.argv[0].c_str(), X_OK) < 0) {
    util::msg_warn("cannot run " + spawn.argv[0] + ": " + std::strerror(errno) +
                   "; queue file names not checked");
    return true;
  }
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.fds = {{2, 2}};
  auto child = util::ChildProcess::spawn(spawn);
  if (!child) {
    util::msg_warn(child.error().message);
    return false;
  }
  auto status = child->wait(std::chrono::hours(1));
  return status && status->exited() && status->code() == 0;
}

int start(const conf::Config& config, const std::string& queue_dir) {
  if (running_master(queue_dir)) util::msg_fatal("the Postfix mail system is already running");
  if (auto r = check_queue(config, false); !r) util::msg_fatal(r.error().message);
  if (!run_postsuper(config, {})) util::msg_fatal("Postfix integrity check failed!");
  util::msg_info("starting the Postfix mail system");
  std::string master = config.get("daemon_directory") + "/master";
  std::vector<std::string> argv = {master, "-w"};
  // master reads MAIL_CONFIG, as it does when postfix-script starts it.
  ::setenv("MAIL_CONFIG", config.config_directory().c_str(), 1);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(master.c_str(), args.data());
  util::msg_fatal("execv " + master + ": " + std::strerror(errno));
}

int stop(const std::string& queue_dir, bool wait) {
  auto pid = running_master(queue_dir);
  if (!pid) util::msg_fatal("the Postfix mail system is not running");
  util::msg_info(wait ? "stopping the Postfix mail system" : "aborting the Postfix mail system");
  ::kill(static_cast<pid_t>(*pid), SIGTERM);
  if (!wait) return 0;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (!running_master(queue_dir)) return 0;
    util::msg_info("waiting for the Postfix mail system to terminate");
  }
  util::msg_info("stopping the Postfix mail system with force");
  // master is a session leader: its group holds the services it started.
  ::kill(-static_cast<pid_t>(*pid), SIGKILL);
  ::kill(static_cast<pid_t>(*pid), SIGKILL);
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  util::set_program_name("postfix");
  std::string config_dir;
  int c;
  while ((c = ::getopt(argc, argv, "c:Dv")) != -1) {
    switch (c) {
      case 'c': config_dir = optarg; break;
      case 'D': case 'v': break;
      default: util::msg_fatal("usage: postfix [-c config_dir] [-Dv] command");
    }
  }
  if (optind >= argc) util::msg_fatal("usage: postfix [-c config_dir] [-Dv] command");
  if (::geteuid() != 0) util::msg_fatal("to submit mail, use the Postfix sendmail command");
  if (!config_dir.empty()) {
    if (config_dir[0] != '/') util::msg_fatal("-c requires absolute pathname");
    ::setenv("MAIL_CONFIG", config_dir.c_str(), 1);
  }
  conf::LoadOptions load;
  load.config_dir = config_dir;
  auto config = conf::Config::load(load);
  if (!config) util::msg_fatal(config.error().message);
  std::string command = argv[optind];
  std::string queue_dir = config->get("queue_directory");
  // The C wrapper's own check, before postfix-script takes over.
  if (::access(queue_dir.c_str(), X_OK) < 0)
    util::msg_fatal("chdir(" + queue_dir + "): " + std::strerror(errno));

  // From here on we speak as postfix-script did.
  util::set_program_name("postfix/postfix-script");
  mail::MailLogOptions log;
  log.to_stderr = true;
  mail::mail_log_init(*config, "postfix-script", log);

  if (command == "start") return start(*config, queue_dir);
  if (command == "stop") return stop(queue_dir, true);
  if (command == "abort") return stop(queue_dir, false);
  if (command == "reload") {
    auto pid = running_master(queue_dir);
    if (!pid) util::msg_fatal("the Postfix mail system is not running");
    util::msg_info("refreshing the Postfix mail system");
    if (!run_postsuper(*config, {"active"})) return 1;
    ::kill(static_cast<pid_t>(*pid), SIGHUP);
    return 0;
  }
  if (command == "status") {
    auto pid = running_master(queue_dir);
    if (!pid) {
      util::msg_info("the Postfix mail system is not running");
      return 1;
    }
    util::msg_info("the Postfix mail system is running: PID: " + std::to_string(*pid));
    return 0;
  }
  if (command == "check" || command == "set-permissions") {
    if (auto r = check_queue(*config, command == "set-permissions"); !r)
      util::msg_fatal(r.error().message);
    if (command == "check" && !run_postsuper(*config, {})) return 1;
    return 0;
  }
  if (command == "flush") {
    util::set_program_name("postqueue");
    util::set_fatal_exit_status(69);  // EX_UNAVAILABLE, as postqueue -f
    if (!running_master(queue_dir) ||
        !trigger(queue_dir + "/public/" + config->get("queue_service_name"), "FADI")) {
      util::msg_fatal("Cannot flush mail queue - mail system is down");
    }
    trigger(queue_dir + "/public/" + config->get("pickup_service_name"), "W");
    return 0;
  }
  util::msg_fatal("unknown command: '" + command + "'. " + kUsage);
}

}  // namespace postfix_cmd
