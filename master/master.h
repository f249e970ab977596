// master::Master: the supervisor loop. Opens every master.cf endpoint,
// starts service processes on demand (an endpoint became readable and no
// process of the service is idle) up to the process limit, reads their
// busy/idle messages, respawns with a throttle after a bad start, runs the
// wakeup timers, reloads on SIGHUP and stops on SIGTERM.
// Reload policy: services whose endpoint is unchanged keep their listening
// socket; every service gets a fresh status channel, so processes of the
// old generation see EOF on fd 5 and exit once their current client is
// done, while new processes run with the new configuration.
// Easy to get wrong: the loop must not poll a listening socket while a
// process of that service is idle (it would spawn on every pending
// connection before the idle process had a chance to accept).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "libutil/fd.h"
#include "master/child_table.h"
#include "master/master_config.h"
#include "master/master_service.h"

namespace master {

class Master {
 public:
  explicit Master(MasterSettings settings);
  // Open endpoints and start the timers; fatal when an endpoint cannot be
  // opened at start-up (as Postfix).
  void start();
  // Serve until SIGTERM; returns the exit status.
  int run();

 private:
  void open_services(bool fatal);
  void reload();
  void stop(int sig);
  void spawn(Service& service);
  void reap();
  void read_status(Service& service);
  void run_wakeups(Clock::time_point now);
  void throttle(Service& service);
  Service* service_for(const Child& child);

  MasterSettings settings_;
  std::map<std::string, std::unique_ptr<Service>> services_;
  ChildTable children_;
  util::Fd flow_read_, flow_write_;
  int signal_fd_ = -1;
  uid_t owner_uid_ = 0;
  gid_t owner_gid_ = 0;
  unsigned generation_ = 0;  // bumped at start and each reload, never reused
};

}  // namespace master
