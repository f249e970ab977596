// smtpd: the SMTP server daemon. run() builds the long-lived parts before
// the chroot (settings, restriction tables, TLS context, SASL, anvil
// client) and then serves one client at a time on the single-client
// skeleton, one Engine (smtpd_session.h) per connection.
// Easy to get wrong: everything that opens files outside the queue
// directory must happen in pre_jail; a failure there is fatal, as in
// Postfix, and master throttles the service. `smtpd -S` (sendmail -bs) is
// the stand-alone mode of smtpd_stand_alone.cc.
#pragma once

namespace smtpd {

// Under master; with -S (sendmail -bs) run_stand_alone instead.
[[noreturn]] void run(int argc, char** argv);
// smtpd_stand_alone.cc: one session on stdin/stdout, mail via postdrop.
[[noreturn]] void run_stand_alone(int argc, char** argv);

}  // namespace smtpd
