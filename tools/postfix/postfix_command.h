// The `postfix` command: start, stop, abort, reload, status, check,
// set-permissions, flush, with -c DIR. It does what Debian's postfix-script
// does, in C++: messages go to stderr as "postfix/postfix-script: text" and
// to the mail log as "postfix/postfix-script[PID]: text" (cli.md §6).
// Whether master runs is decided as `master -t` does: is pid/master.pid
// locked by another process.
// Easy to get wrong: stop waits for master to let go of its lock (up to 5
// polls one second apart), then kills the whole process group with force.
#pragma once

namespace postfix_cmd {

int run(int argc, char** argv);

}  // namespace postfix_cmd
