// master's reading of the configuration: main.cf parameters master needs and
// master.cf entries turned into ServiceSpec (columns resolved to their
// defaults, the child's argv built as master-cf.md §5 says).
// Used by master.cc at start and on every SIGHUP.
// Easy to get wrong: "-" means a different default per column (private y,
// unprivileged y, chroot n, wakeup never, process_limit
// $default_process_limit), and inet services named by a bare port bind on
// inet_interfaces.
#pragma once

#include <string>
#include <chrono>
#include <vector>

#include "libconf/config.h"
#include "libutil/error.h"

namespace master {

struct ServiceSpec {
  std::string name;   // column 1
  std::string type;   // inet, unix, unix-dgram, fifo, pass
  std::string key;    // "name/type": identity across reloads
  bool private_ = true;
  bool unprivileged = true;
  bool chroot = false;
  int wakeup = 0;           // seconds, 0 = never
  bool wakeup_if_used = false;  // "1000?": only when a process is running
  int process_limit = 100;  // 0 = no limit
  std::string endpoint;     // "private/NAME", "public/NAME", or "host:port"
  std::string path;         // daemon_directory/command
  std::vector<std::string> argv;  // argv[0] = path

  // Same endpoint: a reload may keep the listening socket open.
  bool same_endpoint(const ServiceSpec& other) const {
    return type == other.type && endpoint == other.endpoint;
  }
};

// Everything master reads from main.cf and master.cf, loaded at once so a
// reload with a broken file keeps the old configuration.
struct MasterSettings {
  conf::Config config;
  std::string config_directory;
  std::string queue_directory;
  std::string data_directory;
  std::string daemon_directory;
  std::string mail_owner;
  std::string mail_version;
  int service_throttle_time = 60;  // seconds
  std::vector<std::string> environment;  // "NAME=value" for children
  std::vector<ServiceSpec> services;
};

// config_dir "" = $MAIL_CONFIG or the compiled-in default. Errors name the
// file and line; master makes them fatal at start and warnings at reload.
util::Result<MasterSettings> load_master_settings(const std::string& config_dir);

// One master.cf entry -> ServiceSpec (exposed for tests of argv building).
}  // namespace master
