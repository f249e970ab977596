// Appending one message copy to an mbox file: local's mailboxes
// (mail_spool_directory/USER or $home/$home_mailbox) and "/file"
// destinations, and virtual's mailboxes.
// Users: local/mailbox_delivery, virtual/virtual_service.
// Easy to get wrong: never half a message: on any write or fsync error the
// file is truncated back to the size it had before; a new mailbox is made
// 0600 and given to its user; the dot-lock (FILE.lock) is taken before the
// kernel lock and both are held until after fsync.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "libconf/config.h"
#include "libutil/error.h"

namespace mail {

// How mailboxes are locked and how large they may grow (local:
// mailbox_delivery_lock, mailbox_size_limit; virtual: virtual_mailbox_lock,
// virtual_mailbox_limit; both deliver_lock_attempts/_delay, stale_lock_time).
struct MboxLocking {
  bool fcntl = true;
  bool flock = false;
  bool dotlock = true;
  std::chrono::milliseconds wait{19000};
  std::chrono::milliseconds delay{1000};
  std::chrono::seconds stale_lock_time{500};
  long long size_limit = 51200000;  // 0: none
};

// From main.cf; fatal (Postfix's words) on an unknown lock name.
MboxLocking load_mbox_locking(const conf::Config& config, const std::string& lock_parameter,
                              const std::string& size_parameter);

struct MboxOptions {
  uid_t owner = 0;  // required owner of an existing file; owner of a new one
  gid_t group = 0;
  bool dotlock = true;  // mailbox: as mailbox_delivery_lock; files: try, may fail
  bool dotlock_may_fail = false;
  bool check_owner = true;
};

// Errors read as the text after "cannot update mailbox X for user Y. ":
// "unable to create lock file X.lock: File exists", "error writing message:
// No space left on device", "cannot open file: ...".
util::Result<void> append_mbox(const std::string& path, const std::string& data,
                               const MboxLocking& locking, const MboxOptions& options);

}  // namespace mail
