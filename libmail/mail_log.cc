#include "libmail/mail_log.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "libconf/config.h"
#include "libutil/fd.h"
#include "libutil/log.h"

namespace mail {
namespace {

// Per-process logging configuration, set once by mail_log_init.
struct LogState {
  std::string file;         // maillog_file; empty means syslog
  std::string tag;          // postfix/smtpd
  std::string host;         // mx
  std::string socket_path;  // $queue_directory/public/postlog
  std::string relative_path;  // public/postlog, for use inside the chroot
  MailLogOptions options;
  util::Fd sock;
  bool syslog_open = false;
  bool initialised = false;
};

LogState& state() {
  static LogState s;
  return s;
}

int facility_code(std::string_view name) {
  struct Facility {
    const char* name;
    int code;
  };
  static const Facility kFacilities[] = {
      {"mail", LOG_MAIL},     {"user", LOG_USER},     {"daemon", LOG_DAEMON},
      {"auth", LOG_AUTH},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
      {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
      {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
  };
  for (const auto& f : kFacilities)
    if (name == f.name) return f.code;
  return LOG_MAIL;
}

bool connect_dgram(const std::string& path) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) return false;
  util::Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return false;
  state().sock = std::move(fd);
  return true;
}

bool send_to_postlog(const std::string& line) {
  auto& s = state();
  // postlogd's queue fills up in bursts (net.unix.max_dgram_qlen is 10 by
  // default and every smtpd, cleanup, qmgr and local sends to it): wait for
  // room, as Postfix's blocking send does, rather than lose the line; the
  // deadline only keeps a wedged postlogd from stopping the mail system.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (int reconnects = 0; reconnects < 2;) {
    if (!s.sock && !connect_dgram(s.socket_path) && !connect_dgram(s.relative_path)) return false;
    if (::send(s.sock.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
      return true;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{s.sock.get(), POLLOUT, 0};
      (void)::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
      continue;
    }
    // postlogd was restarted (new socket) or is gone: reconnect.
    s.sock.reset();
    ++reconnects;
  }
  return false;
}

void append_to_file(const std::string& line) {
  const auto& s = state();
  util::Fd fd(::open(s.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return;
  std::string out = line + "\n";
  // One write with O_APPEND: lines from concurrent writers do not mix.
  ssize_t ignored = ::write(fd.get(), out.data(), out.size());
  (void)ignored;
}

void deliver(std::string_view tag, std::string_view text) {
  auto& s = state();
  if (s.file.empty()) {
    if (!s.syslog_open) return;
    std::string safe(text);
    ::syslog(LOG_INFO, "%s", safe.c_str());
    return;
  }
  std::string line = format_log_line(std::time(nullptr), s.host, tag, ::getpid(), text);
  if (!s.options.direct_only && send_to_postlog(line)) return;
  if (s.options.direct_fallback || s.options.direct_only) append_to_file(line);
}

void sink(std::string_view text) { deliver(state().tag, text); }

}  // namespace

std::string short_hostname(std::string_view myhostname) {
  return std::string(myhostname.substr(0, myhostname.find('.')));
}

std::string format_log_line(std::time_t when, std::string_view host, std::string_view tag,
                            long pid, std::string_view text) {
  std::tm tm{};
  ::localtime_r(&when, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
  std::string line = stamp;
  line += ' ';
  line += host;
  line += ' ';
  line += tag;
  line += '[' + std::to_string(pid) + "]: ";
  for (unsigned char c : text) line += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  return line;
}

std::string log_tag(std::string_view syslog_name, std::string_view process_name) {
  std::string tag(syslog_name);
  if (!process_name.empty()) {
    tag += '/';
    tag += process_name;
  }
  return tag;
}

bool maillog_file_allowed(std::string_view path, std::string_view prefixes) {
  for (const auto& prefix : conf::Config::split_list(prefixes))
    if (!prefix.empty() && path.starts_with(prefix)) return true;
  return false;
}

void mail_log_init(const conf::Config& config, std::string_view process_name,
                   const MailLogOptions& options) {
  auto& s = state();
  auto get = [&](std::string_view name) {
    auto v = config.try_get(name);
    return v ? *v : std::string();
  };
  s.options = options;
  s.tag = log_tag(get("syslog_name"), process_name);
  s.host = short_hostname(get("myhostname"));
  s.file = get("maillog_file");
  std::string service = get("postlog_service_name");
  if (service.empty()) service = "postlog";
  s.relative_path = "public/" + service;
  s.socket_path = get("queue_directory") + "/" + s.relative_path;
  s.sock.reset();
  if (!s.file.empty() && !maillog_file_allowed(s.file, get("maillog_file_prefixes"))) {
    std::string bad = s.file;
    s.file.clear();
    util::msg_warn("maillog_file value \"" + bad +
                   "\" does not match any prefix in maillog_file_prefixes: \"" +
                   get("maillog_file_prefixes") + "\"; logging to syslog");
  }
  if (s.file.empty()) {
    // syslog keeps a pointer to the ident: it lives in the static state.
    ::openlog(s.tag.c_str(), LOG_PID | LOG_NDELAY, facility_code(get("syslog_facility")));
    s.syslog_open = true;
  }
  // Load the time zone now: a daemon that chroots later has no
  // /etc/localtime and would log in UTC.
  ::tzset();
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  s.initialised = true;
  util::set_log_sink(&sink);
  util::set_log_stderr(options.to_stderr);
}

void mail_log_connect() {
  auto& s = state();
  if (s.file.empty() || s.options.direct_only || s.sock) return;
  if (!connect_dgram(s.socket_path)) connect_dgram(s.relative_path);
}

void mail_log_write(std::string_view tag, std::string_view text) {
  if (!state().initialised) return;
  deliver(tag, text);
}

}  // namespace mail
