// sendmail_test::Instance: sendmail and postdrop as a user runs them, without
// master: a scratch main.cf whose queue_directory is a temp dir (maildrop/
// and public/ only) and whose command_directory and daemon_directory are the
// build tree's (or Postfix's, for the oracle), so sendmail execs our
// postdrop and, for -bs, our smtpd. Helpers read the maildrop files as
// records. Users: sendmail_test.cc, sendmail_bs_test.cc.
// Easy to get wrong: a maildrop file's T record holds the arrival time, so
// comparisons drop it (without_time).
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "libmail/record.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace sendmail_test {

using Pair = std::pair<char, std::string>;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Instance {
  test::TempDir dir;
  std::string conf, queue;
  // command_directory: our build tree's sbin unless told otherwise;
  // daemon_directory: the build tree's libexec/postfix with our sbin, else
  // Postfix's.
  explicit Instance(std::string sbin = "") {
    conf = dir.path() + "/conf";
    queue = dir.path() + "/queue";
    ::mkdir(conf.c_str(), 0755);
    ::mkdir(queue.c_str(), 0755);
    ::mkdir((queue + "/maildrop").c_str(), 0730);
    ::mkdir((queue + "/public").c_str(), 0710);
    std::string libexec = "/usr/lib/postfix/sbin";
    if (sbin.empty()) {
      sbin = test::command("postdrop");
      sbin = sbin.substr(0, sbin.rfind('/'));
      libexec = test::daemon("smtpd");
      libexec = libexec.substr(0, libexec.rfind('/'));
    }
    dir.write("conf/main.cf", "queue_directory = " + queue + "\ncommand_directory = " + sbin +
                                  "\ndaemon_directory = " + libexec +
                                  "\ncompatibility_level = 3.6\n");
  }
  // Append main.cf lines.
  void add_main_cf(const std::string& text) {
    dir.write("conf/main.cf", slurp(conf + "/main.cf") + text);
  }
  test::RunResult sendmail(std::vector<std::string> args, const std::string& input,
                           const std::string& program = test::command("sendmail")) {
    std::vector<std::string> argv = {program, "-C", conf};
    argv.insert(argv.end(), args.begin(), args.end());
    test::RunOptions o;
    o.stdin_text = input;
    o.timeout_seconds = 30;
    return test::run(argv, o);
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    DIR* d = ::opendir((queue + "/maildrop").c_str());
    if (d == nullptr) return out;
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    ::closedir(d);
    return out;
  }
  std::string only_file() const {
    auto f = files();
    REQUIRE(f.size() == 1);
    return queue + "/maildrop/" + f[0];
  }
  void clear() {
    for (const auto& f : files()) ::unlink((queue + "/maildrop/" + f).c_str());
  }
};

inline std::vector<Pair> records_of(const std::string& path) {
  auto parsed = mail::parse_records(slurp(path));
  REQUIRE(parsed);
  std::vector<Pair> out;
  for (const auto& r : *parsed) out.emplace_back(r.type, r.data);
  return out;
}

// Records without the leading T (arrival time differs between runs).
inline std::vector<Pair> without_time(std::vector<Pair> r) {
  REQUIRE(!r.empty());
  CHECK(r[0].first == 'T');
  CHECK(std::regex_match(r[0].second, std::regex("[0-9]+ [0-9]+")));
  r.erase(r.begin());
  return r;
}

}  // namespace sendmail_test
