// util::os: the thin layer over system calls that tests need to make fail.
// Queue writers, lockers, delivery agents and the master's spawner call these
// instead of ::write/::fsync/::rename/::fork so a unit test can say "the 2nd
// fsync from now fails with EIO" and check that nothing was acknowledged.
// Easy to get wrong: the wrappers keep the system-call contract (-1 and errno),
// so callers still handle EINTR and short writes; use write_all for the loop.
// The injection table is per process (a forked child inherits it) and is meant
// for tests only; production code never arms it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

#include "libutil/error.h"

namespace util::os {

enum class Call {
  kOpen,
  kRead,
  kWrite,
  kSend,
  kFsync,
  kRename,
  kLink,
  kUnlink,
  kMkdir,
  kFtruncate,
  kFchmod,
  kFchown,
  kFork,
  kCount_,  // number of calls; not a call
};

// Arm a failure: counting from now, calls number nth .. nth+times-1 of `call`
// fail with `err` (without reaching the kernel). nth starts at 1.
void inject_failure(Call call, int nth, int err, int times = 1);
// Disarm every injected failure and zero the call counters.
void clear_injected_failures();
// How many times `call` was made since the last clear (tests use it to check
// e.g. "one fsync per queued message").
long call_count(Call call);

// Always adds O_CLOEXEC: an fd reaches a child only through ChildProcess,
// which dup2()s it to its fixed number (that clears the flag).
int open(const char* path, int flags, mode_t mode = 0);
ssize_t read(int fd, void* buf, size_t len);
ssize_t write(int fd, const void* buf, size_t len);
// send() with MSG_NOSIGNAL: a peer that went away yields EPIPE, not SIGPIPE.
ssize_t send(int fd, const void* buf, size_t len);
int fsync(int fd);
int rename(const char* from, const char* to);
int link(const char* from, const char* to);
int unlink(const char* path);
int mkdir(const char* path, mode_t mode);
int ftruncate(int fd, off_t length);
int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t uid, gid_t gid);
pid_t fork();

// Write everything, retrying on EINTR and short writes. The error reads
// "write PATH_OR_WHAT: strerror".
Result<void> write_all(int fd, std::string_view data, const std::string& what = "file");
// fsync with the Postfix-style error message "fsync WHAT: strerror".
Result<void> fsync_or_error(int fd, const std::string& what);

}  // namespace util::os
