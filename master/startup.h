// master's start-up: options (-c DIR, -d stay in the foreground, -t test
// whether a master is running, -w wait for initialisation, -D, -v), the
// configuration, detaching, the lock files data_directory/master.lock and
// queue_directory/pid/master.pid, then the Master loop.
// Easy to get wrong: fcntl locks do not survive fork, so master detaches
// FIRST and locks afterwards; with -w the foreground parent learns through a
// pipe whether the daemon got that far (exit 0) or died (exit 1).
#pragma once

namespace master {

int master_main(int argc, char** argv);

}  // namespace master
