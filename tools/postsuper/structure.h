// postsuper -s, -S and -p: the queue-directory repairs done before any
// per-message operation (and, with no options at all, the only work).
//   -p  removes files in the message queues that were never finished (owner
//       bits not rwx) and are more than a week old: what a crash leaves;
//   -s  renames message files whose short ID does not match their inode
//       (a queue restored from elsewhere) together with their logs, gives
//       long IDs short names when enable_long_queue_ids is off, moves files
//       that sit in the wrong hash subdirectory, removes subdirectories a
//       queue no longer uses, and warns about names that are no queue ID;
//   -S  like -s, and long IDs must match their inode too.
// Used by main.cc. Easy to get wrong: a rename can put a file where the
// walk has not been yet or has been already, so the pass repeats while it
// renames (Postfix shows the same: its warnings appear twice then).
#pragma once

#include <string>
#include <vector>

#include "tools/postsuper/queue_layout.h"

namespace postsuper {

struct StructureOptions {
  bool purge = false;      // -p
  bool fix = false;        // -s
  bool fix_long = false;   // -S
};

// Returns how many message files were renamed to match their inode.
long check_structure(const Layout& layout, const std::vector<std::string>& queues,
                     const StructureOptions& options);

}  // namespace postsuper
