// Diagnostics in Postfix's form: "program: warning: text" on stderr for
// commands, and (once a daemon sets it up) to the mail log. The program name
// is per-process configuration, set once at start by main().
// msg_fatal exits with status 1 unless told otherwise (sendmail uses 75).
#pragma once

#include <string>
#include <string_view>

namespace util {

void set_program_name(std::string_view name);
const std::string& program_name();
// Exit status used by msg_fatal (1 by default; sendmail/postdrop use 75).
void set_fatal_exit_status(int status);

void msg_info(std::string_view text);
void msg_warn(std::string_view text);
void msg_error(std::string_view text);
[[noreturn]] void msg_fatal(std::string_view text);
[[noreturn]] void msg_panic(std::string_view text);

// A sink other than stderr (daemons send lines to syslog or postlog).
using LogSink = void (*)(std::string_view line);
void set_log_sink(LogSink sink);
// Also print to stderr when a sink is set (commands run by a person).
void set_log_stderr(bool on);

}  // namespace util
