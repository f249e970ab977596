// A whole Postern mail system in a temp dir for the end-to-end tests: the
// default master.cf of conf/ (Debian's service list, chroot columns as
// shipped) minus the SMTP listener, mailboxes under the temp dir, an alias
// table built with our postalias, and helpers to submit with our sendmail and
// wait for mailboxes. Used by pipeline_test.cc and pipeline_recovery_test.cc.
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

namespace pipeline_test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A delivered copy with what differs between two mail systems taken out,
// for byte comparisons with Debian's Postfix: the date on the From_ line
// and the Received: header (queue IDs, times).
inline std::string comparable_copy(const std::string& in) {
  std::istringstream s(in);
  std::string out, line;
  bool in_received = false;
  while (std::getline(s, line)) {
    if (in_received && (line.rfind("\t", 0) == 0 || line.rfind(" ", 0) == 0)) continue;
    in_received = line.rfind("Received:", 0) == 0;
    if (in_received) {
      out += "Received: ...\n";
      continue;
    }
    if (line.rfind("From ", 0) == 0 && out.empty() && line.find("  ") != std::string::npos)
      line = line.substr(0, line.find("  "));
    out += line + "\n";
  }
  return out;
}

// The default master.cf without the inet smtpd line (tests submit locally).
inline std::string default_master_cf() {
  std::string text = read_file(test::source_dir() + "/conf/master.cf");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("smtp      inet", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

// A system user for the duration of a test (home under the temp dir).
class TestUser {
 public:
  TestUser(const std::string& name, const std::string& home) : name_(name) {
    test::run({"userdel", name});
    auto r = test::run({"useradd", "-M", "-d", home, "-s", "/bin/sh", name});
    ok_ = r.exit_status == 0;
    std::filesystem::create_directories(home);
    if (passwd* pw = ::getpwnam(name.c_str())) {
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      (void)!::chown(home.c_str(), uid_, gid_);
    }
  }
  ~TestUser() { test::run({"userdel", name_}); }
  bool ok() const { return ok_; }
  uid_t uid() const { return uid_; }
  gid_t gid() const { return gid_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool ok_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

class Pipeline {
 public:
  explicit Pipeline(const std::string& extra_main_cf = "") : instance_(default_master_cf()) {
    const test::TempDir& dir = instance_.dir();
    dir.write("main.cf", dir.read("main.cf") +
                             "compatibility_level = 3.6"
                             "\nmail_spool_directory = " +
                             dir.file("mail") +
                             "\nmydestination = $myhostname, localhost.$mydomain, localhost"
                             "\nalias_maps = hash:" +
                             dir.file("aliases") + "\nalias_database = hash:" +
                             dir.file("aliases") + "\n" + extra_main_cf);
    std::filesystem::create_directories(instance_.dir().file("mail"));
    ::chmod(instance_.dir().file("mail").c_str(), 01777);
    write_aliases("postmaster: root\nmailer-daemon: postmaster\n");
  }

  master_test::Instance& instance() { return instance_; }
  std::string path(const std::string& name) const { return instance_.dir().file(name); }
  std::string config_dir() const { return instance_.path(); }

  void write_aliases(const std::string& text) {
    instance_.dir().write("aliases", text);
    newaliases();
  }
  test::RunResult newaliases() const {
    return test::run({test::command("postalias"), "-c", config_dir(), "hash:" + path("aliases")});
  }
  test::RunResult start() { return instance_.start(); }

  // sendmail [args] with `message` on stdin.
  test::RunResult sendmail(const std::vector<std::string>& args, const std::string& message) const {
    std::vector<std::string> argv{test::command("sendmail"), "-C", config_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    test::RunOptions o;
    o.stdin_text = message;
    o.timeout_seconds = 30;
    return test::run(argv, o);
  }

  std::string mailbox(const std::string& user) const { return read_file(path("mail/" + user)); }

  // Wait until `user`'s mbox holds `count` messages (From_ lines).
  bool wait_for_messages(const std::string& user, size_t count,
                         std::chrono::milliseconds limit = std::chrono::seconds(20)) const {
    return master_test::eventually(
        [&] {
          std::string box = mailbox(user);
          return (box.rfind("From ", 0) == 0 ? 1 : 0) + count_of(box, "\n\nFrom ") >= count;
        },
        limit);
  }

  // Files left in a queue (recursively), e.g. "deferred".
  size_t queue_count(const std::string& queue) const {
    std::string dir = path("queue/" + queue);
    if (!std::filesystem::exists(dir)) return 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.is_regular_file()) ++n;
    return n;
  }
  // "incoming/ABC 0600" lines for every file left in the mail queues.
  std::string queue_files() const {
    std::string out;
    for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold", "corrupt"}) {
      std::string dir = path(std::string("queue/") + q);
      if (!std::filesystem::exists(dir)) continue;
      for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        struct stat st {};
        ::stat(e.path().c_str(), &st);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        out += e.path().string().substr(path("queue/").size()) + " " + mode + "\n";
      }
    }
    return out;
  }
  // With `unfinished_ok`, a mode-0600 file in incoming/ does not count: a
  // cleanup killed while writing leaves one behind, and Postfix too leaves
  // it to `postsuper -p` (the client still has its copy and resubmits).
  bool queue_empty(bool unfinished_ok = false) const {
    for (const char* q : {"maildrop", "active", "deferred", "hold"})
      if (queue_count(q) != 0) return false;
    std::string dir = path("queue/incoming");
    if (!std::filesystem::exists(dir)) return true;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      struct stat st {};
      if (!unfinished_ok || ::stat(e.path().c_str(), &st) != 0 || (st.st_mode & 0777) != 0600)
        return false;
    }
    return true;
  }
  bool wait_queue_empty(std::chrono::milliseconds limit = std::chrono::seconds(20),
                        bool unfinished_ok = false) const {
    return master_test::eventually([&] { return queue_empty(unfinished_ok); }, limit);
  }

 private:
  master_test::Instance instance_;
};

}  // namespace pipeline_test
