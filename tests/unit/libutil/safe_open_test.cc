#include "libutil/safe_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <cerrno>
#include <string>

#include "libutil/os.h"
#include "tests/support/temp_dir.h"

TEST_CASE("safe_open opens an ordinary file and creates a missing one", "[safe_open]") {
  test::TempDir dir;
  std::string existing = dir.write("mbox", "old\n");
  auto f = util::safe_open(existing, O_WRONLY | O_APPEND | O_CREAT, 0600);
  REQUIRE(f);
  REQUIRE_FALSE(f->created);
  REQUIRE(::write(f->fd.get(), "new\n", 4) == 4);
  REQUIRE(dir.read("mbox") == "old\nnew\n");

  auto g = util::safe_open(dir.file("fresh"), O_WRONLY | O_APPEND | O_CREAT, 0600);
  REQUIRE(g);
  REQUIRE(g->created);
  REQUIRE((g->st.st_mode & 07777) == 0600);
}

TEST_CASE("safe_open refuses a symlink planted where a mailbox should be", "[safe_open]") {
  test::TempDir dir;
  std::string target = dir.write("target", "secret\n");
  std::string link = dir.file("mbox");
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  if (::geteuid() == 0) {
    // A root-owned symlink is trusted, as in Postfix; make ours not root's.
    if (::lchown(link.c_str(), 65534, 65534) != 0) FAIL("lchown");
  }
  auto f = util::safe_open(link, O_WRONLY | O_APPEND | O_CREAT, 0600);
  REQUIRE_FALSE(f);
  REQUIRE(f.error().message == "file is a symbolic link");
  auto g = util::safe_open(link, O_WRONLY | O_CREAT | O_EXCL, 0600);
  REQUIRE_FALSE(g);
  REQUIRE(g.error().sys_errno == EEXIST);
  REQUIRE(dir.read("target") == "secret\n");
}

TEST_CASE("safe_open refuses hard links, directories and the wrong owner", "[safe_open]") {
  test::TempDir dir;
  std::string file = dir.write("mbox", "");
  REQUIRE(::link(file.c_str(), dir.file("other").c_str()) == 0);
  auto f = util::safe_open(file, O_RDONLY, 0);
  REQUIRE_FALSE(f);
  REQUIRE(f.error().message == "file has 2 hard links");

  REQUIRE(::mkdir(dir.file("d").c_str(), 0700) == 0);
  auto d = util::safe_open(dir.file("d"), O_RDONLY, 0);
  REQUIRE_FALSE(d);
  REQUIRE(d.error().message == "file is not a regular file");

  std::string mine = dir.write("mine", "");
  util::SafeOpenOptions opts;
  opts.owner = ::geteuid() + 1;
  auto w = util::safe_open(mine, O_RDONLY, 0, opts);
  REQUIRE_FALSE(w);
  REQUIRE(w.error().message == "file has wrong owner");
  opts.owner = ::geteuid();
  REQUIRE(util::safe_open(mine, O_RDONLY, 0, opts));
}

TEST_CASE("safe_open does not hang on a fifo", "[safe_open]") {
  test::TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  auto f = util::safe_open(dir.file("fifo"), O_RDONLY, 0);
  REQUIRE_FALSE(f);
  REQUIRE(f.error().message == "file is not a regular file");
}

TEST_CASE("replace_file swaps content atomically and survives an injected fsync failure",
          "[safe_open]") {
  test::TempDir dir;
  std::string path = dir.write("aliases.db", "old");
  REQUIRE(util::replace_file(path, "new content", 0644));
  REQUIRE(dir.read("aliases.db") == "new content");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 07777) == 0644);

  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kFsync, 1, EIO);
  auto r = util::replace_file(path, "never seen", 0644);
  util::os::clear_injected_failures();
  REQUIRE_FALSE(r);
  REQUIRE(r.error().sys_errno == EIO);
  REQUIRE(dir.read("aliases.db") == "new content");
  REQUIRE(::access((path + ".tmp" + std::to_string(::getpid())).c_str(), F_OK) != 0);

  util::os::inject_failure(util::os::Call::kRename, 1, EROFS);
  auto r2 = util::replace_file(path, "never seen", 0644);
  util::os::clear_injected_failures();
  REQUIRE_FALSE(r2);
  REQUIRE(dir.read("aliases.db") == "new content");
}

TEST_CASE("create_exclusive fails on an existing name", "[safe_open]") {
  test::TempDir dir;
  REQUIRE(util::create_exclusive(dir.file("q"), O_WRONLY, 0600));
  auto again = util::create_exclusive(dir.file("q"), O_WRONLY, 0600);
  REQUIRE_FALSE(again);
  REQUIRE(again.error().sys_errno == EEXIST);
}
