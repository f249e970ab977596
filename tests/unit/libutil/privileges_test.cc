#include "libutil/privileges.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <functional>
#include <string>

#include "tests/support/temp_dir.h"

namespace {

// Privilege changes are for good: make them in a child and report by status.
int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("users and groups are found by name and unknown names are not an error",
          "[privileges]") {
  auto root = util::lookup_user("root");
  REQUIRE(root);
  REQUIRE(root->has_value());
  REQUIRE((*root)->uid == 0);
  REQUIRE((*root)->home == "/root");
  auto by_uid = util::lookup_user(static_cast<uid_t>(0));
  REQUIRE(by_uid);
  REQUIRE((*by_uid)->name == "root");
  auto none = util::lookup_user("no-such-user-postern");
  REQUIRE(none);
  REQUIRE_FALSE(none->has_value());
  auto g = util::lookup_group("root");
  REQUIRE(g);
  REQUIRE(**g == 0);
  REQUIRE(util::group_name(0).value() == "root");
  auto ng = util::lookup_group("no-such-group-postern");
  REQUIRE(ng);
  REQUIRE_FALSE(ng->has_value());
}

TEST_CASE("set_ugid drops root for good", "[privileges]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root to drop privileges");
    return;
  }
  int rc = in_child([] {
    if (!util::set_ugid(65534, 65534)) return 1;
    if (::getuid() != 65534 || ::geteuid() != 65534 || ::getgid() != 65534) return 2;
    gid_t groups[8];
    int n = ::getgroups(8, groups);
    if (n != 1 || groups[0] != 65534) return 3;
    if (::setuid(0) == 0 || ::seteuid(0) == 0) return 4;
    return 0;
  });
  REQUIRE(rc == 0);
}

TEST_CASE("a temporary effective uid creates files as that user and then reverts",
          "[privileges]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root to switch effective ids");
    return;
  }
  test::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 01777) == 0);
  std::string file = dir.file("as-nobody");
  int rc = in_child([&] {
    {
      auto as = util::EffectiveIds::switch_to(65534, 65534);
      if (!as) return 1;
      if (::geteuid() != 65534 || ::getegid() != 65534 || ::getuid() != 0) return 2;
      int fd = ::open(file.c_str(), O_CREAT | O_WRONLY, 0600);
      if (fd < 0) return 3;
      ::close(fd);
      // Root-only places are closed to us now.
      if (::open("/root/.postern-test", O_CREAT | O_WRONLY, 0600) >= 0) return 4;
    }
    if (::geteuid() != 0 || ::getegid() != 0) return 5;
    return 0;
  });
  REQUIRE(rc == 0);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  REQUIRE(st.st_uid == 65534);
  REQUIRE(st.st_gid == 65534);
}

TEST_CASE("chroot_to confines the process to the directory", "[privileges]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root to chroot");
    return;
  }
  test::TempDir dir;
  dir.write("inside", "x");
  int rc = in_child([&] {
    if (!util::chroot_to(dir.path())) return 1;
    if (::access("/inside", F_OK) != 0) return 2;
    if (::access("/etc/passwd", F_OK) == 0) return 3;
    return 0;
  });
  REQUIRE(rc == 0);
  auto bad = util::chroot_to("/nonexistent-postern-dir");
  REQUIRE_FALSE(bad);
  REQUIRE(bad.error().message == "chroot(/nonexistent-postern-dir): No such file or directory");
}
