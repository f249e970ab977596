// One master.cf service at run time: its endpoint (the listening socket,
// fifo or datagram socket every child gets as fd 6), the status channel its
// children write busy/idle to (fd 5), the accept lock (fd 8), counters, the
// throttle and the wakeup timer. Used by master.cc.
// Easy to get wrong: the status channel is replaced at each reload: closing
// master's end is how the children of the old generation learn to exit, and
// their late messages must not be counted against the new generation.
#pragma once

#include <chrono>
#include <string>

#include "libutil/error.h"
#include "libutil/fd.h"
#include "master/master_config.h"

namespace master {

using Clock = std::chrono::steady_clock;

struct Service {
  ServiceSpec spec;
  util::Fd listen;         // fd 6 in children
  util::Fd status_master;  // master reads busy/idle here
  util::Fd status_child;   // fd 5 in children
  util::Fd lock;           // fd 8 in children (process_limit != 1)
  unsigned generation = 0;
  int children = 0;  // processes of the current generation
  int idle = 0;      // of which available
  Clock::time_point throttled_until{};
  Clock::time_point next_wakeup{};
  std::string status_buffer;  // partial status messages

  bool throttled(Clock::time_point now) const { return now < throttled_until; }
  bool at_limit() const { return spec.process_limit > 0 && children >= spec.process_limit; }
};

// Open the endpoint (relative to the current directory, the queue
// directory), owned by mail_owner, plus the status channel and accept lock.
// Error: "bind private/NAME: ..." in Postfix's words.
util::Result<void> open_endpoint(Service& service, uid_t owner_uid, gid_t owner_gid);
// A fresh status channel; `generation` tags the processes started on it.
util::Result<void> open_status_channel(Service& service, unsigned generation);

// Connect to the service and write the wake-up request ("W", then a NUL in
// a second write, as Postfix's master does). Best effort.
void send_wakeup(const Service& service);

}  // namespace master
