// The showq service: a single-client server on public/showq. For each
// client it walks the queues (libmail/queue_listing.h) from its working
// directory, the queue directory (chrooted or not), and streams one entry
// per message in the showq protocol (libmail/showq_protocol.h); postqueue
// does the formatting, so a user's time zone and enable_long_queue_ids
// apply there.
// Easy to get wrong: the client sends nothing; showq must write and close,
// and a client that goes away mid-listing only ends this session.
#pragma once

namespace showq {

int run(int argc, char** argv);

}  // namespace showq
