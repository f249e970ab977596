// util::walk_dir: visit every non-directory entry below a directory, going
// down into subdirectories. The queue tools and daemons walk Postfix's
// hashed queue directories with it (qmgr, pickup, flush, showq/postqueue,
// postsuper), so the descent rules live in one place.
// Easy to get wrong: entries are lstat()ed, so a symlink is reported as a
// link, never followed (a queue directory is not a place to follow links);
// hashed queues have one-character subdirectories only, so by default any
// other directory is skipped, and the depth is bounded either way.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>

#include "libutil/error.h"

namespace util {

struct DirEntry {
  std::string path;  // dir + "/" + name
  std::string name;
  struct stat st {};
};

struct DirWalkOptions {
  int max_depth = 16;            // levels of subdirectories below the top
  bool single_char_dirs = true;  // descend only into one-character names
  bool sorted = false;           // visit names in byte order
};

// Calls `visit` for each entry that is not a directory, and `dir_done`
// (when set) for each subdirectory after its contents. Fails only when the
// top directory cannot be opened; unreadable subdirectories are skipped.
Result<void> walk_dir(const std::string& dir, const DirWalkOptions& options,
                      const std::function<void(const DirEntry&)>& visit,
                      const std::function<void(const std::string&)>& dir_done = {});

}  // namespace util
