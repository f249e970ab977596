// cleanup's new queue file: created as incoming/ID (0600, named by the
// arrival time and the file's inode, as Postfix names queue files), written,
// fsynced and marked complete (0700), or removed when anything fails.
// Easy to get wrong: the ID needs the inode, so the file is created under a
// temporary name and renamed; a held message is renamed to hold/ BEFORE it
// becomes 0700, so qmgr never sees a complete file in incoming/ that is
// about to move.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/fd.h"

namespace cleanup {

class NewQueueFile {
 public:
  // Create incoming/ID relative to the current directory (the queue
  // directory). owner: chown to it when we run as root.
  static util::Result<NewQueueFile> create(bool long_ids, std::optional<uid_t> owner_uid,
                                           std::optional<gid_t> owner_gid);
  NewQueueFile(NewQueueFile&&) noexcept;
  NewQueueFile& operator=(NewQueueFile&&) = delete;
  ~NewQueueFile();  // removes the file unless committed

  const std::string& queue_id() const { return id_; }
  // Write all bytes, fsync, move to hold/ when asked, chmod 0700.
  util::Result<void> commit(std::string_view bytes, bool hold);
  // Write and fsync without marking the file complete (a rejected message
  // that cleanup bounces itself: bounce reads it, then it is removed).
  util::Result<void> write_incomplete(std::string_view bytes);
  // Remove the file now.
  void remove();

 private:
  NewQueueFile(util::Fd fd, std::string id)
      : fd_(std::move(fd)), id_(std::move(id)), path_("incoming/" + id_) {}
  util::Fd fd_;
  std::string id_;
  std::string path_;
  bool done_ = false;
};

}  // namespace cleanup
