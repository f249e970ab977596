// "|command" destinations and mailbox_command: run /bin/sh -c COMMAND as
// the chosen user with the message copy on stdin, Postfix's environment
// (HOME USER SHELL LOGNAME EXTENSION DOMAIN LOCAL RECIPIENT SENDER
// ORIGINAL_RECIPIENT, PATH, export_environment) and command_time_limit.
// Users: local/local_service and local/mailbox_delivery.
// Easy to get wrong: the exit status decides the outcome as sysexits(3)
// says (75 EX_TEMPFAIL defers, 67 EX_NOUSER bounces 5.1.1, ...), any other
// non-zero status bounces; the command's output goes into the reason.
#pragma once

#include <string>

#include "libutil/child_process.h"
#include "libutil/privileges.h"
#include "local/delivery_context.h"

namespace local {

// `user`: whose HOME/USER/SHELL the command gets (the mailbox owner, the
// .forward's user, or the alias privileges' account).
Outcome deliver_command(const Delivery& d, const std::string& command, uid_t uid, gid_t gid,
                        const util::UserInfo& user);

// Reason text and DSN for a finished command (exposed for the log tests).
Outcome command_outcome(const std::string& command, const util::CommandResult& result);

}  // namespace local
