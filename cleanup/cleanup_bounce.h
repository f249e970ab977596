// Rejected mail that cleanup returns to the sender itself, as Postfix does
// when the client set kCleanupFlagBounce (pickup: a local submission has
// nobody waiting for an SMTP reply). The message is written to incoming/ID
// without the "complete" bit, every recipient is appended to bounce/ID as
// failed, the bounce service sends the notice, the file goes, and the
// client hears "queued".
// Easy to get wrong: the delivery line is logged per recipient as an agent
// would ("to=<r>, relay=none, ... dsn=5.7.1, status=bounced (go away)"),
// and when any bounce step fails the client must get the original error
// (and Postfix's "bounce message failure" warning) so it keeps the mail.
#pragma once

#include <string>

#include "cleanup/queue_file_writer.h"
#include "libmail/cleanup_process.h"

namespace cleanup {

// True when the message was bounced (reply status 0 to the client).
bool bounce_rejected(NewQueueFile& file, const mail::CleanupOutcome& outcome,
                     const std::string& bounce_path);

}  // namespace cleanup
