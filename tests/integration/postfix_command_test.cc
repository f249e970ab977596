// The postfix command: messages and exit codes of cli.md §6, and the queue
// directories `postfix check` creates (queue.md §1). Runs as root.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <map>

#include "tests/integration/master_fixture.h"

using master_test::Instance;

namespace {

const char* kServices = "postlog unix-dgram n - n - 1 postlogd\n";

struct Expect {
  const char* name;
  const char* owner;
  const char* group;
  mode_t mode;
};

}  // namespace

TEST_CASE("postfix check creates the queue directories with Postfix's owners and modes", "[postfix]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix check needs root");
    return;
  }
  Instance inst(kServices);
  auto r = inst.postfix("check");
  CHECK(r.exit_status == 0);
  CHECK(r.err.empty());
  const Expect expected[] = {
      {"active", "postfix", "root", 0700},     {"bounce", "postfix", "root", 0700},
      {"corrupt", "postfix", "root", 0700},    {"defer", "postfix", "root", 0700},
      {"deferred", "postfix", "root", 0700},   {"flush", "postfix", "root", 0700},
      {"hold", "postfix", "root", 0700},       {"incoming", "postfix", "root", 0700},
      {"maildrop", "postfix", "postdrop", 0730}, {"pid", "root", "root", 0755},
      {"private", "postfix", "root", 0700},    {"public", "postfix", "postdrop", 0710},
      {"saved", "postfix", "root", 0700},      {"trace", "postfix", "root", 0700},
  };
  for (const auto& e : expected) {
    struct stat st{};
    INFO(e.name);
    REQUIRE(::stat(inst.dir().file(std::string("queue/") + e.name).c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == e.mode);
    CHECK(std::string(::getpwuid(st.st_uid)->pw_name) == e.owner);
    CHECK(std::string(::getgrgid(st.st_gid)->gr_name) == e.group);
  }
  // A wrong mode is reported by check and repaired by set-permissions.
  ::chmod(inst.dir().file("queue/active").c_str(), 0755);
  auto warn = inst.postfix("check");
  CHECK(warn.exit_status == 0);
  CHECK(warn.err.find("postfix/postfix-script: warning: bad mode 0755 (expected 0700): " +
                      inst.dir().file("queue/active")) != std::string::npos);
  CHECK(inst.postfix("set-permissions").exit_status == 0);
  struct stat st{};
  ::stat(inst.dir().file("queue/active").c_str(), &st);
  CHECK((st.st_mode & 07777) == 0700);
}

TEST_CASE("postfix check refuses a privileged or unknown mail_owner", "[postfix]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix check needs root");
    return;
  }
  Instance root(kServices, "mail_owner = root\n");
  auto r = root.postfix("check");
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postfix/postfix-script: fatal: file " + root.path() +
                     "/main.cf: parameter mail_owner: user root has privileged user ID\n");
  Instance unknown(kServices, "mail_owner = nosuchuser\n");
  auto u = unknown.postfix("check");
  CHECK(u.exit_status == 1);
  CHECK(u.err.find("parameter mail_owner: unknown user name value: nosuchuser") != std::string::npos);
}

TEST_CASE("postfix reports a stopped system with Postfix's messages and exit codes", "[postfix]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix command needs root");
    return;
  }
  Instance inst(kServices);
  REQUIRE(inst.postfix("check").exit_status == 0);
  auto status = inst.postfix("status");
  CHECK(status.exit_status == 1);
  CHECK(status.err == "postfix/postfix-script: the Postfix mail system is not running\n");
  for (const char* cmd : {"stop", "reload", "abort"}) {
    auto r = inst.postfix(cmd);
    INFO(cmd);
    CHECK(r.exit_status == 1);
    CHECK(r.err == "postfix/postfix-script: fatal: the Postfix mail system is not running\n");
  }
  auto bogus = inst.postfix("bogus");
  CHECK(bogus.exit_status == 1);
  CHECK(bogus.err ==
        "postfix/postfix-script: fatal: unknown command: 'bogus'. Usage: postfix start (or stop, "
        "reload, abort, flush, check, status, set-permissions, upgrade-configuration, logrotate)\n");
  auto flush = inst.postfix("flush");
  CHECK(flush.exit_status == 69);
  CHECK(flush.err == "postqueue: fatal: Cannot flush mail queue - mail system is down\n");
  // The script's own lines reach the log file even with postlogd down.
  CHECK(inst.log().find("postfix/postfix-script[") != std::string::npos);
}

TEST_CASE("postfix start, status and stop report a running system", "[postfix][slow]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix command needs root");
    return;
  }
  Instance inst(kServices);
  auto start = inst.start();
  CHECK(start.exit_status == 0);
  CHECK(start.err == "postfix/postfix-script: starting the Postfix mail system\n");
  auto pid = inst.master_pid();
  REQUIRE(pid);
  auto status = inst.postfix("status");
  CHECK(status.exit_status == 0);
  CHECK(status.err == "postfix/postfix-script: the Postfix mail system is running: PID: " +
                          std::to_string(*pid) + "\n");
  // master.pid and master.lock hold the PID as "%32d\n".
  char expect[64];
  std::snprintf(expect, sizeof expect, "%32d\n", static_cast<int>(*pid));
  CHECK(inst.dir().read("queue/pid/master.pid") == expect);
  CHECK(inst.dir().read("data/master.lock") == expect);
  auto stop = inst.postfix("stop");
  CHECK(stop.exit_status == 0);
  CHECK(master_test::eventually([&] { return !inst.master_pid(); }));
}

TEST_CASE("postfix check makes the same queue directories as Postfix's postfix check", "[postfix][interop]") {
  if (test::skip_without("/usr/sbin/postfix", "interop")) return;
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix check needs root");
    return;
  }
  auto layout = [](const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      struct stat st{};
      ::lstat(e.path().c_str(), &st);
      char mode[16];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      out[e.path().filename()] = std::string(::getpwuid(st.st_uid)->pw_name) + ":" +
                                 ::getgrgid(st.st_gid)->gr_name + " " + mode;
    }
    return out;
  };
  test::TempDir theirs;
  ::mkdir(theirs.file("queue").c_str(), 0755);
  theirs.write("main.cf", "queue_directory = " + theirs.file("queue") + "\ndata_directory = " +
                              theirs.file("data") + "\ncompatibility_level = 3.6\n");
  std::filesystem::copy_file(test::data_file("master/master.cf.debian"), theirs.file("master.cf"));
  auto oracle = test::run({"/usr/sbin/postfix", "-c", theirs.path(), "check"});
  REQUIRE(std::filesystem::exists(theirs.file("queue/active")));

  Instance ours(kServices);
  REQUIRE(ours.postfix("check").exit_status == 0);
  CHECK(layout(ours.dir().file("queue")) == layout(theirs.file("queue")));
  struct stat a{}, b{};
  ::stat(ours.dir().file("data").c_str(), &a);
  ::stat(theirs.file("data").c_str(), &b);
  CHECK(a.st_uid == b.st_uid);
  CHECK(a.st_gid == b.st_gid);
  CHECK((a.st_mode & 07777) == (b.st_mode & 07777));
}

TEST_CASE("postfix refuses a queue directory that does not exist, as Postfix does", "[postfix]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: postfix check needs root");
    return;
  }
  test::TempDir dir;
  dir.write("main.cf", "queue_directory = " + dir.file("nosuch") + "\n");
  auto r = test::run({test::command("postfix"), "-c", dir.path(), "check"});
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postfix: fatal: chdir(" + dir.file("nosuch") + "): No such file or directory\n");
}
