#include "libutil/os.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <cerrno>

#include "libutil/fd.h"
#include "tests/support/temp_dir.h"

TEST_CASE("an injected fsync failure hits exactly the chosen call", "[os]") {
  test::TempDir dir;
  util::Fd fd(util::os::open(dir.file("f").c_str(), O_CREAT | O_WRONLY, 0600));
  REQUIRE(fd.valid());
  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kFsync, 2, EIO);
  REQUIRE(util::os::fsync(fd.get()) == 0);
  errno = 0;
  REQUIRE(util::os::fsync(fd.get()) == -1);
  REQUIRE(errno == EIO);
  REQUIRE(util::os::fsync(fd.get()) == 0);
  REQUIRE(util::os::call_count(util::os::Call::kFsync) == 3);

  util::os::inject_failure(util::os::Call::kFsync, 1, EIO);
  auto r = util::os::fsync_or_error(fd.get(), dir.file("f"));
  REQUIRE_FALSE(r);
  REQUIRE(r.error().sys_errno == EIO);
  REQUIRE(r.error().message == "fsync " + dir.file("f") + ": Input/output error");
  util::os::clear_injected_failures();
}

TEST_CASE("injected write and rename failures leave the file system alone", "[os]") {
  test::TempDir dir;
  util::Fd fd(util::os::open(dir.file("a").c_str(), O_CREAT | O_WRONLY, 0600));
  REQUIRE(fd.valid());
  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kWrite, 1, ENOSPC);
  auto w = util::os::write_all(fd.get(), "hello", "a");
  REQUIRE_FALSE(w);
  REQUIRE(w.error().message == "write a: No space left on device");
  REQUIRE(util::os::write_all(fd.get(), "hello", "a"));
  REQUIRE(dir.read("a") == "hello");

  util::os::inject_failure(util::os::Call::kRename, 1, EXDEV, 2);
  REQUIRE(util::os::rename(dir.file("a").c_str(), dir.file("b").c_str()) == -1);
  REQUIRE(util::os::rename(dir.file("a").c_str(), dir.file("b").c_str()) == -1);
  REQUIRE(::access(dir.file("a").c_str(), F_OK) == 0);
  REQUIRE(util::os::rename(dir.file("a").c_str(), dir.file("b").c_str()) == 0);
  REQUIRE(dir.read("b") == "hello");
  util::os::clear_injected_failures();
}

TEST_CASE("an injected fork failure returns -1 without creating a process", "[os]") {
  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kFork, 1, EAGAIN);
  errno = 0;
  REQUIRE(util::os::fork() == -1);
  REQUIRE(errno == EAGAIN);
  pid_t pid = util::os::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(7);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WEXITSTATUS(status) == 7);
  util::os::clear_injected_failures();
}

TEST_CASE("open through the os layer sets close-on-exec", "[os]") {
  test::TempDir dir;
  util::Fd fd(util::os::open(dir.file("c").c_str(), O_CREAT | O_RDWR, 0600));
  REQUIRE(fd.valid());
  REQUIRE((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
}
