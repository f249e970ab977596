// Maildir delivery (compat/delivery.md §3): DIR/{tmp,new,cur} owned by the
// user, the copy written to tmp/ and fsynced, then renamed into new/ under
// the name Postfix gives it (libmail/local_maildir_name.h).
// Users: local/mailbox_delivery (home_mailbox or mail_spool_directory
// ending in '/', "/path/" file destinations) and virtual/virtual_service.
// Easy to get wrong: the final name needs the inode of the written file, so
// the rename comes after fstat; a failure removes the tmp file, so no
// partial message is ever visible in new/.
#pragma once

#include <sys/types.h>

#include <string>

#include "libutil/error.h"

namespace mail {

// `dir` may end in '/'. Directories created here get `uid`/`gid` when we
// run as root. Errors: "create maildir file PATH: REASON" and the like.
util::Result<std::string> deliver_maildir(const std::string& dir, const std::string& data,
                                          uid_t uid, gid_t gid);

}  // namespace mail
