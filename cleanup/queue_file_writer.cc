#include "cleanup/queue_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libmail/queue_id.h"
#include "libutil/os.h"

namespace cleanup {

util::Result<NewQueueFile> NewQueueFile::create(bool long_ids, std::optional<uid_t> owner_uid,
                                                std::optional<gid_t> owner_gid) {
  struct timeval start;
  ::gettimeofday(&start, nullptr);
  std::string tmp = "incoming/" + std::to_string(start.tv_usec) + "." + std::to_string(::getpid());
  int raw = util::os::open(tmp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW, 0600);
  if (raw < 0) return util::fail_errno("create file " + tmp);
  util::Fd fd(raw);
  auto fail = [&](const std::string& what) {
    int err = errno;
    util::os::unlink(tmp.c_str());
    return util::fail_errno(what, err);
  };
  if (util::os::fchmod(fd.get(), 0600) != 0) return fail("fchmod " + tmp);
  if (owner_uid && util::os::fchown(fd.get(), *owner_uid, owner_gid.value_or(-1)) != 0)
    return fail("fchown " + tmp);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail("fstat " + tmp);
  // The same inode can come back within one microsecond only after the
  // file was removed; a clash with a live file is retried with a new time.
  for (int attempt = 0; attempt < 100; ++attempt) {
    struct timeval now;
    ::gettimeofday(&now, nullptr);
    std::string id = long_ids ? mail::make_long_queue_id(now.tv_sec, now.tv_usec, st.st_ino)
                              : mail::make_short_queue_id(now.tv_usec, st.st_ino);
    std::string path = "incoming/" + id;
    if (::access(path.c_str(), F_OK) == 0) {
      ::usleep(1);
      continue;
    }
    if (util::os::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename " + tmp + " " + path);
    return NewQueueFile(std::move(fd), std::move(id));
  }
  errno = EEXIST;
  return fail("rename " + tmp);
}

NewQueueFile::NewQueueFile(NewQueueFile&& o) noexcept
    : fd_(std::move(o.fd_)), id_(std::move(o.id_)), path_(std::move(o.path_)), done_(o.done_) {
  o.done_ = true;
}

NewQueueFile::~NewQueueFile() { remove(); }

void NewQueueFile::remove() {
  if (done_) return;
  util::os::unlink(path_.c_str());
  done_ = true;
}

util::Result<void> NewQueueFile::write_incomplete(std::string_view bytes) {
  if (auto w = util::os::write_all(fd_.get(), bytes, path_); !w) return w;
  return util::os::fsync_or_error(fd_.get(), path_);
}

util::Result<void> NewQueueFile::commit(std::string_view bytes, bool hold) {
  if (auto w = util::os::write_all(fd_.get(), bytes, path_); !w) return w;
  if (auto s = util::os::fsync_or_error(fd_.get(), path_); !s) return s;
  if (hold) {
    std::string held = "hold/" + id_;
    if (util::os::rename(path_.c_str(), held.c_str()) != 0)
      return util::fail_errno("rename " + path_ + " " + held);
    path_ = held;
  }
  if (util::os::fchmod(fd_.get(), 0700) != 0) return util::fail_errno("fchmod " + path_);
  done_ = true;
  return {};
}

}  // namespace cleanup
