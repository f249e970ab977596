// Multi-client server skeleton: one process serves many open client
// connections from a libevent loop (cleanup, qmgr, bounce, trivial-rewrite).
// The handler runs when a client has sent something; it reads one request
// from the Stream, answers, and returns true to keep the connection or false
// to close it (EOF from the client closes it too). The process reports busy
// to master while it has clients and idle when the last one leaves; max_use
// counts connections, max_idle runs while there are none.
// See server_skeleton.h for the life cycle.
//
//   mail::multi_server_main(argc, argv, "cleanup",
//       [](util::Stream& client, mail::Daemon& d) { return serve_request(client, d); });
//
// Easy to get wrong: the handler must not wait for a second request on the
// same stream (other clients would starve); read one, answer, return. For
// timers and other fds of its own, a daemon registers events on the loop in
// MultiHooks::on_loop (called after the jail, before the first client).
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "libmail/server_skeleton.h"
#include "libutil/stream.h"

struct event;
struct event_base;

namespace mail {

using MultiHandler = std::function<bool(util::Stream& client, Daemon& daemon)>;

struct MultiHooks : ServerHooks {
  std::function<void(event_base* base, Daemon& daemon)> on_loop;
  // Called once right after a client connects, before it has sent anything,
  // for protocols where the server speaks first (cleanup sends the queue
  // ID). Return false to close the connection (a daemon may serve the whole
  // session here, as Postfix's cleanup does).
  std::function<bool(util::Stream& client, Daemon& daemon)> on_connect;
  // Called when a client's connection is about to be closed (EOF, error, or
  // the handler said false), for daemons that keep per-client state (anvil
  // gives back the connections a client registered).
  std::function<void(util::Stream& client, Daemon& daemon)> on_disconnect;
};

// A repeating timer on the loop on_loop hands out (statistics lines,
// expiry sweeps in anvil and scache); it stops when destroyed.
class PeriodicTimer {
 public:
  PeriodicTimer(event_base* base, std::chrono::seconds every, std::function<void()> fn);
  ~PeriodicTimer();
  PeriodicTimer(const PeriodicTimer&) = delete;
  PeriodicTimer& operator=(const PeriodicTimer&) = delete;

 private:
  static void fire(int fd, short what, void* self);
  std::function<void()> fn_;
  ::event* ev_ = nullptr;
};

[[noreturn]] void multi_server_main(int argc, char** argv, std::string_view program,
                                    const MultiHandler& handler, const MultiHooks& hooks = {});

}  // namespace mail
