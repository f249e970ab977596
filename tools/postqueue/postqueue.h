// postqueue: list the queue (-p, -j; also mailq and sendmail -bp), flush it
// (-f; sendmail -q), deliver one message (-i ID) or one site's deferred mail
// (-s SITE; sendmail -qRsite). Listing asks the showq service; when it is
// down root lists the queue files directly after a warning, anyone else
// gets a fatal. Flushing goes through qmgr (-f) or the flush service.
// Postfix's words and exit statuses (cli.md §1-3): every fatal exits 69.
// Easy to get wrong: the table layout follows enable_long_queue_ids of
// postqueue's own main.cf, and the time is formatted here, in the user's
// time zone, not by showq.
#pragma once

namespace postqueue {

int run(int argc, char** argv);

}  // namespace postqueue
