// Appending one message copy to an mbox file: the user's mailbox
// (mail_spool_directory/USER or $home/$home_mailbox) and "/file"
// destinations from aliases and .forward files.
// Users: local/mailbox_delivery (mailboxes), local/local_service (files).
// Easy to get wrong: never half a message: on any write or fsync error the
// file is truncated back to the size it had before; a new mailbox is made
// 0600 and given to its user; the dot-lock (FILE.lock) is taken before the
// kernel lock and both are held until after fsync.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "libutil/error.h"
#include "local/local_settings.h"

namespace local {

struct MboxOptions {
  uid_t owner = 0;      // required owner of an existing file; owner of a new one
  gid_t group = 0;
  bool dotlock = true;  // mailbox: as mailbox_delivery_lock; files: try, may fail
  bool dotlock_may_fail = false;
  bool check_owner = true;
};

// Errors read as the text after "cannot update mailbox X for user Y. ":
// "unable to create lock file X.lock: File exists", "error writing message:
// No space left on device", "cannot open file: ...".
util::Result<void> append_mbox(const std::string& path, const std::string& data,
                               const Settings& settings, const MboxOptions& options);

}  // namespace local
