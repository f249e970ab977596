// The cleanup service: one session per client connection (the protocol of
// libmail/cleanup_client.h). The session creates incoming/ID, reads the
// records, runs mail::cleanup_process (libmail/cleanup_process.h), writes
// the queue file, fsyncs it, marks it complete (0700) and triggers qmgr.
// Like Postfix's cleanup it serves the whole session in one go (a
// multi-client server whose clients are served one at a time).
// Easy to get wrong: tables are opened in the pre-jail hook (cleanup runs
// chrooted in Debian's master.cf), and on any failure the file must be
// removed before the non-zero status is sent: the client keeps (pickup) or
// refuses (smtpd) the message.
#pragma once

namespace cleanup {

int run(int argc, char** argv);

}  // namespace cleanup
