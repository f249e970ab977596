// A scratch configuration directory for postmap/postalias tests, with
// helpers to run our command and Postfix's (the oracle) on it the same way.
// Used by postmap_test.cc and postalias_test.cc only.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace table_test {

inline std::string read_data(const std::string& name) {
  std::ifstream in(test::data_file("tables/" + name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TableDir {
 public:
  TableDir() { dir_.write("main.cf", "myhostname = test.example\n"); }
  const std::string& path() const { return dir_.path(); }
  std::string file(const std::string& name) const { return dir_.file(name); }
  std::string write(const std::string& name, const std::string& text, int mode = 0644) const {
    return dir_.write(name, text, mode);
  }
  std::string copy_data(const std::string& name, const std::string& as = "") const {
    return dir_.write(as.empty() ? name : as, read_data(name));
  }
  // Our command (postmap, postalias, newaliases) with -c DIR, run in DIR.
  test::RunResult ours(const std::string& cmd, std::vector<std::string> args,
                       const std::string& input = "") const {
    return run(test::command(cmd), std::move(args), input);
  }
  // Postfix's /usr/sbin/CMD, same arguments.
  test::RunResult theirs(const std::string& cmd, std::vector<std::string> args,
                         const std::string& input = "") const {
    return run("/usr/sbin/" + cmd, std::move(args), input);
  }

 private:
  test::RunResult run(const std::string& program, std::vector<std::string> args,
                      const std::string& input) const {
    std::vector<std::string> argv{program, "-c", dir_.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    test::RunOptions options;
    options.stdin_text = input;
    options.cwd = dir_.path();
    return test::run(argv, options);
  }
  test::TempDir dir_;
};

// The key/value lines of `db_dump -p FILE`, sorted (hash order is not
// something two builders have to agree on), minus those whose key or value
// starts with one of `skip`.
inline std::vector<std::string> db_pairs(const std::string& file,
                                         const std::vector<std::string>& skip = {}) {
  test::RunResult r = test::run({"db_dump", "-p", file});
  std::vector<std::string> pairs;
  std::istringstream in(r.out);
  std::string line;
  bool data = false;
  std::string key;
  bool want_key = true;
  while (std::getline(in, line)) {
    if (line == "HEADER=END") {
      data = true;
      continue;
    }
    if (!data || line == "DATA=END") continue;
    if (want_key) {
      key = line;
    } else {
      bool skipped = false;
      for (const auto& s : skip) skipped |= key.rfind(" " + s, 0) == 0;
      if (!skipped) pairs.push_back(key + " => " + line);
    }
    want_key = !want_key;
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace table_test
