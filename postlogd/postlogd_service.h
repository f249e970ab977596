// postlogd: the postlog service (master.cf "postlog unix-dgram ... postlogd").
// Every datagram on fd 6 is one complete, already formatted log line
// ("Nov 23 09:28:00 mx postfix/smtpd[7849]: text"); postlogd appends it with
// a newline to maillog_file, which it opens as root before dropping
// privileges and keeps open (as Postfix's postlogd does).
// Easy to get wrong: postlogd must not log through itself; its own messages
// go straight to the file.
#pragma once

namespace postlogd {

int run(int argc, char** argv);

}  // namespace postlogd
