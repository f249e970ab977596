// A user's own mailbox, as local(8) picks it: mailbox_command (run as the
// user), else $home/$home_mailbox, else mail_spool_directory/USER; a
// location ending in '/' is a Maildir, anything else an mbox file.
// Users: local/local_service for every mailbox action.
// Easy to get wrong: spool mailboxes are opened as root (the spool
// directory is usually not writable by users; Postfix needs root for the
// dot-lock there) and handed to the user; home mailboxes are written with
// the user's own privileges so a symlink in a home cannot make root write.
#pragma once

#include "libconf/config.h"
#include "local/delivery_context.h"

namespace local {

Outcome deliver_mailbox(const Delivery& d, const conf::Config& config);

// "/path" (mbox) and "/path/" (maildir) destinations from aliases,
// .forward and :include: files, written with the action's privileges.
Outcome deliver_file(const Delivery& d);

}  // namespace local
