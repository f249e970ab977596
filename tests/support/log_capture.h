// Captures what util::msg_warn & co. print while a test runs, so a test can
// assert Postfix's exact wording. One capture at a time (the log sink is
// per-process state); the previous stderr setting is not restored, tests
// run with stderr logging on.
#pragma once

#include <string>
#include <vector>

namespace test {

class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Lines as logged without the program name: "warning: text".
  const std::vector<std::string>& lines() const;
  // True when some line contains `text`.
  bool contains(const std::string& text) const;
  void clear();
};

}  // namespace test
