#include "libutil/lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// Run `body` in a forked child and return its exit status: fcntl locks only
// conflict between processes, so the second locker must be one.
int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

util::Fd open_rw(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(fd);
  return fd;
}

}  // namespace

TEST_CASE("an fcntl lock excludes another process until it is released", "[lock]") {
  test::TempDir dir;
  std::string path = dir.file("mbox");
  util::Fd fd = open_rw(path);
  auto lock =
      util::FileLock::acquire(fd.get(), util::LockStyle::kFcntl, util::LockMode::kExclusive);
  REQUIRE(lock);
  auto other_can_lock = [&] {
    util::Fd mine(::open(path.c_str(), O_RDWR));
    auto l =
        util::FileLock::acquire(mine.get(), util::LockStyle::kFcntl, util::LockMode::kExclusive);
    if (l) return 0;
    return l.error().message == "unable to set exclusive lock: Resource temporarily unavailable"
               ? 1
               : 2;
  };
  auto other_sees_lock = [&] {
    util::Fd mine(::open(path.c_str(), O_RDWR));
    auto locked = util::fcntl_locked_by_other(mine.get());
    return locked && *locked ? 1 : 0;
  };
  REQUIRE(in_child(other_can_lock) == 1);
  REQUIRE(in_child(other_sees_lock) == 1);
  lock->release();
  REQUIRE(in_child(other_can_lock) == 0);
  REQUIRE(in_child(other_sees_lock) == 0);
}

TEST_CASE("a flock lock excludes a second open of the same file", "[lock]") {
  test::TempDir dir;
  util::Fd a = open_rw(dir.file("f"));
  util::Fd b = open_rw(dir.file("f"));
  auto first =
      util::FileLock::acquire(a.get(), util::LockStyle::kFlock, util::LockMode::kExclusive);
  REQUIRE(first);
  auto start = std::chrono::steady_clock::now();
  auto second = util::FileLock::acquire(b.get(), util::LockStyle::kFlock,
                                        util::LockMode::kExclusive, {300ms, 50ms});
  REQUIRE_FALSE(second);
  REQUIRE(second.error().sys_errno == EAGAIN);
  REQUIRE(std::chrono::steady_clock::now() - start >= 250ms);
  auto shared = util::FileLock::acquire(b.get(), util::LockStyle::kFlock, util::LockMode::kShared);
  REQUIRE_FALSE(shared);
  { util::FileLock gone = std::move(*first); }
  REQUIRE(util::FileLock::acquire(b.get(), util::LockStyle::kFlock, util::LockMode::kShared));
}

TEST_CASE("a dot-lock excludes a second locker and disappears when released", "[lock]") {
  test::TempDir dir;
  std::string mailbox = dir.write("cmpuser", "");
  {
    auto lock = util::DotLock::acquire(mailbox, {});
    REQUIRE(lock);
    REQUIRE(lock->lock_path() == mailbox + ".lock");
    REQUIRE(::access((mailbox + ".lock").c_str(), F_OK) == 0);
    int rc = in_child([&] {
      auto second = util::DotLock::acquire(mailbox, {200ms, 50ms});
      if (second) return 0;
      return second.error().message ==
                     "unable to create lock file " + mailbox + ".lock: File exists"
                 ? 1
                 : 2;
    });
    REQUIRE(rc == 1);
  }
  REQUIRE(::access((mailbox + ".lock").c_str(), F_OK) != 0);
  REQUIRE(util::DotLock::acquire(mailbox, {}));
}

TEST_CASE("a dot-lock freed soon is taken soon, not after deliver_lock_delay", "[lock]") {
  // Two deliveries to one mailbox: the second must not sleep a whole
  // second when the first holds the lock for a few milliseconds.
  test::TempDir dir;
  std::string mailbox = dir.write("busy", "");
  std::optional<util::DotLock> held(*util::DotLock::acquire(mailbox, {}));
  auto start = std::chrono::steady_clock::now();
  std::thread releaser([&] {
    std::this_thread::sleep_for(30ms);
    held.reset();
  });
  auto lock = util::DotLock::acquire(mailbox, {std::chrono::seconds(19), std::chrono::seconds(1)});
  releaser.join();
  REQUIRE(lock);
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
}

TEST_CASE("a stale dot-lock is removed and a fresh one is respected", "[lock]") {
  test::TempDir dir;
  std::string mailbox = dir.write("user", "");
  std::string lock_file = dir.write("user.lock", "");
  // Fresh: still there after a short wait.
  REQUIRE_FALSE(util::DotLock::acquire(mailbox, {100ms, 20ms}, 500s));
  // Ten minutes old: broken at once.
  struct timeval old[2];
  ::gettimeofday(&old[0], nullptr);
  old[0].tv_sec -= 600;
  old[1] = old[0];
  REQUIRE(::utimes(lock_file.c_str(), old) == 0);
  auto lock = util::DotLock::acquire(mailbox, {}, 500s);
  REQUIRE(lock);
  struct stat st {};
  REQUIRE(::stat(lock_file.c_str(), &st) == 0);
  REQUIRE(st.st_mtime > old[0].tv_sec + 500);
}

TEST_CASE("the pid lock file holds the pid in 32 columns and refuses a second master", "[lock]") {
  test::TempDir dir;
  std::string path = dir.file("master.lock");
  auto pid_lock = util::PidLockFile::acquire(path);
  REQUIRE(pid_lock);
  int rc = in_child([&] {
    auto second = util::PidLockFile::acquire(path);
    if (second) return 0;
    return second.error().message ==
                   "open lock file " + path +
                       ": unable to set exclusive lock: Resource temporarily unavailable"
               ? 1
               : 2;
  });
  REQUIRE(rc == 1);
  // Read from another process: closing any fd of the file in the holder
  // would drop its fcntl lock.
  REQUIRE(in_child([&] {
            auto pid = util::read_pid_file(path);
            return pid && *pid == ::getppid() ? 0 : 1;
          }) == 0);
  // Reading it here drops our lock (any close of the file does), so last.
  std::string content = dir.read("master.lock");
  REQUIRE(content.size() == 33);
  char expect[64];
  std::snprintf(expect, sizeof expect, "%32d\n", static_cast<int>(::getpid()));
  REQUIRE(content == expect);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 07777) == 0600);
}
