// mail::Daemon: what every service process does before serving. Parses the
// command line master builds (master-cf.md §5: -n NAME -t TYPE -u -c -l -z
// -o name=value -v -D), loads main.cf from $MAIL_CONFIG with the -o
// overrides applied, sets up the mail log, and later enters the "jail":
// chdir to queue_directory, chroot there when -c, drop to mail_owner when -u.
// Users: the server skeletons (single_server, multi_server, trigger_server)
// and postlogd; daemon code only reads Daemon::config.
// Easy to get wrong: -c means CHROOT for a daemon (not "config directory" as
// for commands; the config directory comes from MAIL_CONFIG, set by master);
// and everything the daemon must open as root or outside the chroot (tables,
// keys, the log socket) has to be opened in the pre-jail hook.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "libconf/config.h"
#include "libutil/error.h"

namespace mail {

struct DaemonOptions {
  std::string service_name;     // -n; defaults to the program name
  std::string service_type;     // -t: inet, unix, unix-dgram, fifo, pass
  bool unprivileged = false;    // -u: drop to mail_owner
  bool chroot = false;          // -c: chroot to queue_directory
  bool single_process = false;  // -l: process_limit is 1 (no accept lock)
  bool unlimited = false;       // -z: process_limit is 0
  int verbose = 0;              // -v (repeatable)
  bool debug = false;           // -D (accepted, ignored)
  bool stand_alone = false;     // -S: smtpd on stdin/stdout for `sendmail -bs`
  std::vector<std::pair<std::string, std::string>> overrides;  // -o, in order
  // What master.cf's command column has after the options (spawn's and
  // pipe's "user=... argv=..."): everything from the first non-option word.
  std::vector<std::string> args;
};

// Parse argv[1..]. Errors read as Postfix's ("invalid option -- 'x'",
// "invalid \"-o\" option value: \"x\""); the caller makes them fatal.
util::Result<DaemonOptions> parse_daemon_options(const std::vector<std::string>& args,
                                                 std::string_view program);

struct Daemon {
  std::string program;  // process_name: "smtpd"
  DaemonOptions options;
  conf::Config config;
  // Life-cycle limits, read once at start (max_idle, max_use, ipc_timeout,
  // daemon_timeout). max_use 0 means no limit.
  std::chrono::seconds max_idle{100};
  long max_use = 100;
  std::chrono::seconds ipc_timeout{3600};
  std::chrono::seconds daemon_timeout{18000};
};

// Program name, options, configuration (main.cf + -o + service_name), log
// set-up. Fatal on errors, as a daemon has nobody to return them to.
Daemon daemon_init(int argc, char** argv, std::string_view program);

// chdir(queue_directory), connect the log socket, then chroot (-c) and drop
// to mail_owner (-u). Fatal when any step fails.
void daemon_enter_jail(const Daemon& daemon);

}  // namespace mail
