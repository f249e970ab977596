// Thin system-call layer with a per-process failure-injection table (os.h).
#include "libutil/os.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace util::os {
namespace {

struct Injection {
  long first = 0;  // absolute call number (1-based) of the first failure; 0 = none
  long last = 0;
  int err = 0;
};

struct CallState {
  long count = 0;
  Injection injection;
};

constexpr size_t kCalls = static_cast<size_t>(Call::kCount_);

// Per-process test hook; see header. Plain state: daemons are single-threaded.
std::array<CallState, kCalls>& table() {
  static std::array<CallState, kCalls> calls{};
  return calls;
}

// Count the call; true (with errno set) when this call must fail.
bool injected(Call call) {
  CallState& s = table()[static_cast<size_t>(call)];
  long n = ++s.count;
  if (s.injection.first != 0 && n >= s.injection.first && n <= s.injection.last) {
    errno = s.injection.err;
    return true;
  }
  return false;
}

}  // namespace

void inject_failure(Call call, int nth, int err, int times) {
  CallState& s = table()[static_cast<size_t>(call)];
  s.injection.first = s.count + (nth < 1 ? 1 : nth);
  s.injection.last = s.injection.first + (times < 1 ? 1 : times) - 1;
  s.injection.err = err;
}

void clear_injected_failures() { table() = {}; }

long call_count(Call call) { return table()[static_cast<size_t>(call)].count; }

int open(const char* path, int flags, mode_t mode) {
  if (injected(Call::kOpen)) return -1;
  return ::open(path, flags | O_CLOEXEC, mode);
}

ssize_t read(int fd, void* buf, size_t len) {
  if (injected(Call::kRead)) return -1;
  return ::read(fd, buf, len);
}

ssize_t write(int fd, const void* buf, size_t len) {
  if (injected(Call::kWrite)) return -1;
  return ::write(fd, buf, len);
}

ssize_t send(int fd, const void* buf, size_t len) {
  if (injected(Call::kSend)) return -1;
  return ::send(fd, buf, len, MSG_NOSIGNAL);
}

int fsync(int fd) {
  if (injected(Call::kFsync)) return -1;
  return ::fsync(fd);
}

int rename(const char* from, const char* to) {
  if (injected(Call::kRename)) return -1;
  return ::rename(from, to);
}

int link(const char* from, const char* to) {
  if (injected(Call::kLink)) return -1;
  return ::link(from, to);
}

int unlink(const char* path) {
  if (injected(Call::kUnlink)) return -1;
  return ::unlink(path);
}

int mkdir(const char* path, mode_t mode) {
  if (injected(Call::kMkdir)) return -1;
  return ::mkdir(path, mode);
}

int ftruncate(int fd, off_t length) {
  if (injected(Call::kFtruncate)) return -1;
  return ::ftruncate(fd, length);
}

int fchmod(int fd, mode_t mode) {
  if (injected(Call::kFchmod)) return -1;
  return ::fchmod(fd, mode);
}

int fchown(int fd, uid_t uid, gid_t gid) {
  if (injected(Call::kFchown)) return -1;
  return ::fchown(fd, uid, gid);
}

pid_t fork() {
  if (injected(Call::kFork)) return -1;
  return ::fork();
}

Result<void> write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write " + what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> fsync_or_error(int fd, const std::string& what) {
  while (fsync(fd) < 0) {
    if (errno == EINTR) continue;
    return fail_errno("fsync " + what);
  }
  return {};
}

}  // namespace util::os
