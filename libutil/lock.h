// util locks: RAII file locks (fcntl or flock), dot-locks (FILE.lock made
// with O_EXCL, as mail spools use), and the master's PID lock file.
// local locks mailboxes with these (mailbox_delivery_lock = fcntl, dotlock),
// master holds data_directory/master.lock, postfix status/master -t probe it.
// Easy to get wrong: an fcntl lock belongs to the process and the file, so
// closing ANY fd of that file drops it, and a forked child does not inherit
// it; flock locks belong to the open file description instead. A FileLock
// does not own the fd: keep the fd open for as long as the lock.
#pragma once

#include <chrono>
#include <string>

#include "libutil/error.h"
#include "libutil/fd.h"

namespace util {

enum class LockStyle { kFcntl, kFlock };
enum class LockMode { kShared, kExclusive };

// Postfix's timing knobs for waiting on a lock: deliver_lock_attempts and
// deliver_lock_delay; wait = 0 means "try once".
struct LockWait {
  std::chrono::milliseconds wait{0};    // give up after this long
  std::chrono::milliseconds delay{100}; // the longest pause between attempts (shorter first)
};

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Lock `fd`. A lock held elsewhere gives an error with sys_errno EAGAIN
  // ("unable to set exclusive lock: Resource temporarily unavailable").
  static Result<FileLock> acquire(int fd, LockStyle style, LockMode mode, LockWait wait = {});
  bool held() const { return fd_ >= 0; }
  void release();

 private:
  FileLock(int fd, LockStyle style) : fd_(fd), style_(style) {}
  int fd_ = -1;
  LockStyle style_ = LockStyle::kFcntl;
};

// True when another process holds a write lock on `fd` (fcntl F_GETLK);
// `master -t` and `postfix status` ask this of master.lock.
Result<bool> fcntl_locked_by_other(int fd);

// FILE.lock, created O_EXCL and removed on destruction. A lock file older
// than `stale_after` (Postfix: stale_lock_time, 500s) is removed as stale.
// Failure reads "unable to create lock file FILE.lock: File exists".
class DotLock {
 public:
  DotLock() = default;
  DotLock(DotLock&& other) noexcept;
  DotLock& operator=(DotLock&& other) noexcept;
  DotLock(const DotLock&) = delete;
  DotLock& operator=(const DotLock&) = delete;
  ~DotLock();

  static Result<DotLock> acquire(const std::string& path, LockWait wait,
                                 std::chrono::seconds stale_after = std::chrono::seconds(500));
  const std::string& lock_path() const { return lock_path_; }
  bool held() const { return !lock_path_.empty(); }
  void release();

 private:
  explicit DotLock(std::string lock_path) : lock_path_(std::move(lock_path)) {}
  std::string lock_path_;
};

// master.lock / master.pid: open (create 0600), take an exclusive fcntl lock
// without waiting, write the PID as "%32d\n" and keep the file open.
class PidLockFile {
 public:
  static Result<PidLockFile> acquire(const std::string& path);
  int fd() const { return fd_.get(); }

 private:
  PidLockFile(Fd fd, FileLock lock) : fd_(std::move(fd)), lock_(std::move(lock)) {}
  Fd fd_;
  FileLock lock_;  // declared after fd_: released before the fd closes
};

// The PID in a master.pid/master.lock file (leading blanks allowed). Not for
// the holder itself: closing its read fd would drop the holder's fcntl lock.
Result<long> read_pid_file(const std::string& path);

}  // namespace util
