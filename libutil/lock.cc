// File locks, dot-locks and the PID lock file (lock.h).
#include "libutil/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <utility>

#include "libutil/os.h"

namespace util {
namespace {

using Clock = std::chrono::steady_clock;

// One attempt; 0 or errno.
int try_lock(int fd, LockStyle style, LockMode mode) {
  for (;;) {
    int rc;
    if (style == LockStyle::kFcntl) {
      struct flock fl {};
      fl.l_type = mode == LockMode::kExclusive ? F_WRLCK : F_RDLCK;
      fl.l_whence = SEEK_SET;
      rc = ::fcntl(fd, F_SETLK, &fl);
    } else {
      rc = ::flock(fd, (mode == LockMode::kExclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
    }
    if (rc == 0) return 0;
    if (errno == EINTR) continue;
    // fcntl says EACCES on some systems where others say EAGAIN.
    return errno == EACCES ? EAGAIN : errno;
  }
}

void unlock(int fd, LockStyle style) {
  if (style == LockStyle::kFcntl) {
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    ::fcntl(fd, F_SETLK, &fl);
  } else {
    ::flock(fd, LOCK_UN);
  }
}

}  // namespace

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), style_(other.style_) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    style_ = other.style_;
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() {
  if (fd_ >= 0) unlock(std::exchange(fd_, -1), style_);
}

namespace {

// Pauses between lock attempts: short at first (a mailbox is usually held
// for the few milliseconds of one write and fsync), doubling up to
// wait.delay; the total stays within wait.wait. false: give up now.
class Backoff {
 public:
  explicit Backoff(const LockWait& wait)
      : deadline_(Clock::now() + wait.wait),
        max_(wait.delay),
        pause_(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(5), wait.delay)) {}
  bool pause() {
    if (Clock::now() + pause_ > deadline_) return false;
    std::this_thread::sleep_for(pause_);
    pause_ = std::min(pause_ * 2, max_);
    return true;
  }

 private:
  Clock::time_point deadline_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds pause_;
};

}  // namespace

Result<FileLock> FileLock::acquire(int fd, LockStyle style, LockMode mode, LockWait wait) {
  Backoff backoff(wait);
  for (;;) {
    int err = try_lock(fd, style, mode);
    if (err == 0) return FileLock(fd, style);
    if ((err != EAGAIN && err != EWOULDBLOCK) || !backoff.pause()) {
      return fail_errno(std::string("unable to set ") +
                            (mode == LockMode::kExclusive ? "exclusive" : "shared") + " lock",
                        err);
    }
  }
}

Result<bool> fcntl_locked_by_other(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_GETLK, &fl) < 0) return fail_errno("fcntl F_GETLK");
  return fl.l_type != F_UNLCK;
}

DotLock::DotLock(DotLock&& other) noexcept : lock_path_(std::exchange(other.lock_path_, {})) {}

DotLock& DotLock::operator=(DotLock&& other) noexcept {
  if (this != &other) {
    release();
    lock_path_ = std::exchange(other.lock_path_, {});
  }
  return *this;
}

DotLock::~DotLock() { release(); }

void DotLock::release() {
  if (!lock_path_.empty()) {
    os::unlink(lock_path_.c_str());
    lock_path_.clear();
  }
}

Result<DotLock> DotLock::acquire(const std::string& path, LockWait wait,
                                 std::chrono::seconds stale_after) {
  std::string lock_path = path + ".lock";
  Backoff backoff(wait);
  for (;;) {
    int fd = os::open(lock_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      ::close(fd);
      return DotLock(std::move(lock_path));
    }
    int err = errno;
    if (err != EEXIST) return fail_errno("unable to create lock file " + lock_path, err);
    // Someone holds it; break it if nobody touched it for stale_after (a
    // crashed delivery agent must not block the mailbox forever).
    struct stat st {};
    if (::stat(lock_path.c_str(), &st) == 0 &&
        std::time(nullptr) > st.st_mtime + stale_after.count()) {
      if (os::unlink(lock_path.c_str()) == 0) continue;
    }
    if (!backoff.pause()) return fail_errno("unable to create lock file " + lock_path, EEXIST);
  }
}

Result<PidLockFile> PidLockFile::acquire(const std::string& path) {
  Fd fd(os::open(path.c_str(), O_RDWR | O_CREAT, 0600));
  if (!fd) return fail_errno("open lock file " + path);
  auto lock = FileLock::acquire(fd.get(), LockStyle::kFcntl, LockMode::kExclusive);
  if (!lock) {
    return fail("open lock file " + path + ": " + lock.error().message, lock.error().sys_errno);
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%32ld\n", static_cast<long>(::getpid()));
  if (os::ftruncate(fd.get(), 0) < 0) return fail_errno("truncate " + path);
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) return fail_errno("seek " + path);
  if (auto w = os::write_all(fd.get(), std::string_view(buf, static_cast<size_t>(n)), path); !w)
    return std::unexpected(w.error());
  return PidLockFile(std::move(fd), std::move(*lock));
}

Result<long> read_pid_file(const std::string& path) {
  Fd fd(os::open(path.c_str(), O_RDONLY));
  if (!fd) return fail_errno("open " + path);
  char buf[64] = {};
  ssize_t n = os::read(fd.get(), buf, sizeof buf - 1);
  if (n < 0) return fail_errno("read " + path);
  char* end = nullptr;
  long pid = std::strtol(buf, &end, 10);
  if (end == buf || pid <= 0) return fail_kind(ErrorKind::kMalformed, "bad pid in " + path);
  return pid;
}

}  // namespace util
