// Run a built program (or an outside tool) the way a user would, with a
// deadline so no test hangs, and capture what it prints.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace test {

struct RunResult {
  int exit_status = -1;  // -1 when killed by a signal or the deadline
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct RunOptions {
  std::string stdin_text;
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string cwd;
  int timeout_seconds = 60;
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// True when an outside tool is on PATH (swaks, /usr/sbin/postmap, ...).
bool have_program(const std::string& path_or_name);

}  // namespace test
