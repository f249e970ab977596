// mail::MailLog: Postfix's mail log. Every daemon and command that logs
// "postfix/prog[pid]: text" sets it up once at start with mail_log_init;
// after that util::msg_info/msg_warn/... lines go to the log as well.
// Where a line goes: maillog_file non-empty -> a datagram to the postlog
// service (public/postlog, served by postlogd), falling back to appending to
// the file directly when the service is not there and we may open the file
// (master at start-up, commands run by root); maillog_file empty -> syslog.
// Easy to get wrong: the socket must be opened BEFORE chroot/privilege drop
// (mail_log_connect), and the line is formatted by the sender, so the pid and
// time are the logging process's own.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace conf {
class Config;
}

namespace mail {

// "mx.example.test" -> "mx" (the host column of the log line).
std::string short_hostname(std::string_view myhostname);

// "Nov 23 09:28:00 mx postfix/smtpd[7849]: text" (no newline). The day is
// zero-padded as Postfix's own logger writes it; 8-bit and control bytes in
// `text` become '?'.
std::string format_log_line(std::time_t when, std::string_view host, std::string_view tag,
                            long pid, std::string_view text);

// "$syslog_name/process" ("postfix/smtpd"), or the bare syslog_name when the
// process name is empty (postlog -t mytag).
std::string log_tag(std::string_view syslog_name, std::string_view process_name);

struct MailLogOptions {
  // Also print "prog: text" on stderr (interactive commands do).
  bool to_stderr = false;
  // Write to maillog_file directly when postlog cannot be reached.
  bool direct_fallback = true;
  // Always write to the file directly, never through postlogd (postlogd
  // itself, and the postfix command while the system is down).
  bool direct_only = false;
};

// Read maillog_file, syslog_name, myhostname, queue_directory,
// postlog_service_name from `config` and install the log sink for this
// process (util::set_log_sink). `process_name` is the name after the slash.
void mail_log_init(const conf::Config& config, std::string_view process_name,
                   const MailLogOptions& options = {});

// Connect the datagram socket to postlog now (call before chroot). Harmless
// when maillog_file is empty or the service is not running yet: sending
// retries the connection.
void mail_log_connect();

// Log one line with an explicit tag, bypassing util::msg_* (postlog -t).
void mail_log_write(std::string_view tag, std::string_view text);

// True when `path` starts with one of maillog_file_prefixes.
bool maillog_file_allowed(std::string_view path, std::string_view prefixes);

}  // namespace mail
