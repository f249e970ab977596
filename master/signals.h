// master's signal handling: SIGHUP (reload), SIGTERM/SIGINT (stop) and
// SIGCHLD (reap) are turned into bytes on a self-pipe that the main loop
// polls, so all real work happens outside signal handlers. SIGPIPE is
// ignored (a service that went away must not kill master).
// Easy to get wrong: the pipe is the only state a handler touches; it is
// per-process configuration set up once by master.
#pragma once

#include <vector>

namespace master {

// Install the handlers; returns the read end of the self-pipe.
int install_signal_pipe();
// Signals received since the last call, in arrival order.
std::vector<int> drain_signals();

}  // namespace master
