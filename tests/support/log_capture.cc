#include "tests/support/log_capture.h"

#include "libutil/log.h"

namespace test {
namespace {

std::vector<std::string>& captured() {
  static std::vector<std::string> lines;
  return lines;
}

void sink(std::string_view line) { captured().emplace_back(line); }

}  // namespace

LogCapture::LogCapture() {
  captured().clear();
  util::set_log_sink(&sink);
  util::set_log_stderr(false);
}

LogCapture::~LogCapture() {
  util::set_log_sink(nullptr);
  util::set_log_stderr(true);
}

const std::vector<std::string>& LogCapture::lines() const { return captured(); }

bool LogCapture::contains(const std::string& text) const {
  for (const auto& line : captured()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

void LogCapture::clear() { captured().clear(); }

}  // namespace test
