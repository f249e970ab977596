#include "libutil/log.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace util {
namespace {

// Process configuration: set once by main().
struct LogState {
  std::string program = "postern";
  int fatal_status = 1;
  LogSink sink = nullptr;
  bool to_stderr = true;
};

LogState& state() {
  static LogState s;
  return s;
}

void emit(std::string_view level, std::string_view text) {
  std::string line = state().program + ": ";
  line += level;
  line += text;
  if (state().sink) state().sink(std::string_view(line).substr(state().program.size() + 2));
  if (state().to_stderr || !state().sink) {
    line += '\n';
    // One write so concurrent processes do not interleave partial lines.
    ssize_t ignored = ::write(2, line.data(), line.size());
    (void)ignored;
  }
}

}  // namespace

void set_program_name(std::string_view name) { state().program = std::string(name); }
const std::string& program_name() { return state().program; }
void set_fatal_exit_status(int status) { state().fatal_status = status; }
void set_log_sink(LogSink sink) { state().sink = sink; }
void set_log_stderr(bool on) { state().to_stderr = on; }

void msg_info(std::string_view text) { emit("", text); }
void msg_warn(std::string_view text) { emit("warning: ", text); }
void msg_error(std::string_view text) { emit("error: ", text); }
void msg_fatal(std::string_view text) {
  emit("fatal: ", text);
  std::exit(state().fatal_status);
}
void msg_panic(std::string_view text) {
  emit("panic: ", text);
  std::abort();
}

}  // namespace util
