// postfix check / set-permissions: the queue directory layout of queue.md §1
// (names, owners, modes), created when missing and reported when wrong.
// Used by tools/postfix only (start runs check first, as postfix-script).
// Easy to get wrong: top-level queue dirs are mail_owner:root except
// maildir/public (group setgid_group) and pid (root:root); and mail_owner
// must be an existing, unprivileged user.
#pragma once

#include <string>

#include "libconf/config.h"
#include "libutil/error.h"

namespace postfix_cmd {

// Fatal on a root or unknown mail_owner / unknown setgid_group, in
// Postfix's words ("file DIR/main.cf: parameter mail_owner: user root has
// privileged user ID"). With fix=false wrong owners/modes are warnings;
// with fix=true (set-permissions) they are corrected.
util::Result<void> check_queue(const conf::Config& config, bool fix);

}  // namespace postfix_cmd
