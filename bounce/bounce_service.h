// The bounce daemon's request handler: one attribute request per connection
// (libmail/bounce_client.h has the wire protocol), answered {status=N}.
// The master.cf service name (-n bounce|defer|trace) picks the log
// directory every request of this process works on.
// Easy to get wrong: status 0 is a promise (the block is on disk, or the
// notice is queued); on any doubt answer non-zero so qmgr keeps the message.
#pragma once

namespace bounce {

int run(int argc, char** argv);

}  // namespace bounce
