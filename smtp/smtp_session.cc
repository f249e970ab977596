#include "smtp/smtp_session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libmail/delivery_log.h"
#include "libutil/fd.h"

namespace smtp {
namespace {

std::string connect_text(const Target& t, bool unix_socket) {
  if (unix_socket) return "connect to " + t.address;
  return "connect to " + t.hostname + "[" + t.address + "]:" + std::to_string(t.port);
}

Failure connect_failure(const Target& t, bool unix_socket, int err) {
  return make_failure("4.4.1", connect_text(t, unix_socket) + ": " + std::strerror(err));
}

// Non-blocking connect bounded by `timeout`; the fd goes back to blocking.
int connect_with_deadline(int fd, const sockaddr* addr, socklen_t len,
                          std::chrono::seconds timeout) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int err = 0;
  if (::connect(fd, addr, len) < 0) {
    if (errno != EINPROGRESS) return errno;
    pollfd p{fd, POLLOUT, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
    } while (n < 0 && errno == EINTR);
    if (n == 0) return ETIMEDOUT;
    if (n < 0) return errno;
    socklen_t elen = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) return errno;
    if (err != 0) return err;
  }
  ::fcntl(fd, F_SETFL, flags);
  return 0;
}

}  // namespace

Session::Session(util::Stream stream, Target target, bool unix_socket, const Settings& settings)
    : stream_(std::move(stream)),
      target_(std::move(target)),
      unix_socket_(unix_socket),
      settings_(&settings) {}

std::string Session::namaddr() const { return target_.hostname + "[" + target_.address + "]"; }

std::string Session::relay() const {
  if (unix_socket_) return namaddr();
  return namaddr() + ":" + std::to_string(target_.port);
}

util::Result<void> Session::send(std::string_view line, std::chrono::seconds timeout) {
  stream_.set_timeout(timeout);
  std::string out(line);
  out += "\r\n";
  auto r = stream_.write(out);
  if (!r) broken = true;
  return r;
}

util::Result<void> Session::flush(std::chrono::seconds timeout) {
  stream_.set_timeout(timeout);
  auto r = stream_.flush();
  if (!r) broken = true;
  return r;
}

util::Result<Reply> Session::read_reply(std::chrono::seconds timeout) {
  if (auto f = flush(timeout); !f) return std::unexpected(f.error());
  stream_.set_timeout(timeout);
  std::vector<std::string> lines;
  const size_t max = static_cast<size_t>(settings_->reply_line_limit);
  for (;;) {
    auto line = stream_.read_line(max);
    if (!line) {
      broken = true;
      return std::unexpected(line.error());
    }
    if (line->end == util::LineEnd::kTooLong) {
      if (auto s = stream_.skip_rest_of_line(); !s) {
        broken = true;
        return std::unexpected(s.error());
      }
    }
    std::string text = std::move(line->text);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    bool more = reply_line_continues(text);
    // Lines beyond the bound are read and dropped.
    if (lines.size() < static_cast<size_t>(settings_->reply_lines_limit))
      lines.push_back(std::move(text));
    if (!more || line->end == util::LineEnd::kEof) break;
  }
  Reply reply = make_reply(std::move(lines));
  if (reply.code == 421) broken = true;
  return reply;
}

Failure Session::io_failure(const util::Error& error, std::string_view stage) const {
  Failure f;
  f.dsn = "4.4.2";
  f.relay = relay();
  if (error.kind == util::ErrorKind::kTimeout)
    f.text = "conversation with " + namaddr() + " timed out while " + std::string(stage);
  else
    f.text = "lost connection with " + namaddr() + " while " + std::string(stage);
  return f;
}

Failure Session::reply_failure(const Reply& reply, std::string_view command) const {
  Failure f;
  f.dsn = reply.dsn;
  f.relay = relay();
  f.text = "host " + namaddr() + " said: " + reply.text + " (in reply to " + std::string(command) +
           " command)";
  f.diag_text = reply.text;
  f.mta_mname = target_.hostname;
  return f;
}

std::optional<Failure> Session::greet() {
  auto greeting = read_reply(settings_->timeouts.helo);
  if (!greeting) return io_failure(greeting.error(), "receiving the initial server greeting");
  if (greeting->code / 100 != 2) {
    // smtp_skip_5xx_greeting: a server that will not talk is skipped and
    // the mail waits, whatever class its greeting had.
    Failure f;
    f.dsn = "4" + greeting->dsn.substr(1);
    f.relay = relay();
    f.text = "host " + namaddr() + " refused to talk to me: " + greeting->text;
    f.diag_text = greeting->text;
    f.mta_mname = target_.hostname;
    broken = true;
    return f;
  }
  return std::nullopt;
}

std::optional<Failure> Session::ehlo() {
  const bool lmtp = settings_->protocol == Protocol::kLmtp;
  const auto timeout = settings_->timeouts.helo;
  if (lmtp || !settings_->never_send_ehlo) {
    const char* verb = lmtp ? "LHLO" : "EHLO";
    if (auto s = send(std::string(verb) + " " + settings_->helo_name, timeout); !s)
      return io_failure(s.error(), std::string("performing the ") + verb + " handshake");
    auto reply = read_reply(timeout);
    if (!reply)
      return io_failure(reply.error(), std::string("performing the ") + verb + " handshake");
    if (reply->code / 100 == 2) {
      features = parse_ehlo(*reply);
      return std::nullopt;
    }
    if (lmtp || reply->code / 100 != 5 || broken) {
      broken = true;
      return reply_failure(*reply, verb);
    }
  }
  if (auto s = send("HELO " + settings_->helo_name, timeout); !s)
    return io_failure(s.error(), "performing the HELO handshake");
  auto reply = read_reply(timeout);
  if (!reply) return io_failure(reply.error(), "performing the HELO handshake");
  if (reply->code / 100 != 2) {
    broken = true;
    return reply_failure(*reply, "HELO");
  }
  features = Features{};
  return std::nullopt;
}

void Session::quit() {
  if (broken) return;
  if (!send("QUIT", settings_->timeouts.quit) || !flush(settings_->timeouts.quit)) return;
  if (!settings_->skip_quit_response) (void)read_reply(settings_->timeouts.quit);
  broken = true;
}

bool Session::reset() {
  if (broken) return false;
  if (!send("RSET", settings_->timeouts.rset)) return false;
  auto reply = read_reply(settings_->timeouts.rset);
  if (!reply || reply->code / 100 != 2) {
    broken = true;
    return false;
  }
  return true;
}

std::expected<Session, Failure> connect_session(const Target& target, bool unix_socket,
                                                const Settings& settings) {
  util::Fd fd;
  int err = 0;
  if (unix_socket) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (target.address.size() >= sizeof sun.sun_path)
      return std::unexpected(connect_failure(target, true, ENAMETOOLONG));
    std::memcpy(sun.sun_path, target.address.data(), target.address.size());
    fd = util::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return std::unexpected(connect_failure(target, true, errno));
    err = connect_with_deadline(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun,
                                settings.timeouts.connect);
  } else {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (target.family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(static_cast<uint16_t>(target.port));
      if (::inet_pton(AF_INET6, target.address.c_str(), &a->sin6_addr) != 1)
        return std::unexpected(connect_failure(target, false, EINVAL));
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(static_cast<uint16_t>(target.port));
      if (::inet_pton(AF_INET, target.address.c_str(), &a->sin_addr) != 1)
        return std::unexpected(connect_failure(target, false, EINVAL));
      len = sizeof *a;
    }
    fd = util::Fd(::socket(target.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return std::unexpected(connect_failure(target, false, errno));
    const std::string& bind_to =
        target.family == AF_INET6 ? settings.bind_address6 : settings.bind_address;
    if (!bind_to.empty()) {
      sockaddr_storage bs{};
      socklen_t blen = 0;
      bool ok = false;
      if (target.family == AF_INET6) {
        auto* b = reinterpret_cast<sockaddr_in6*>(&bs);
        b->sin6_family = AF_INET6;
        ok = ::inet_pton(AF_INET6, bind_to.c_str(), &b->sin6_addr) == 1;
        blen = sizeof *b;
      } else {
        auto* b = reinterpret_cast<sockaddr_in*>(&bs);
        b->sin_family = AF_INET;
        ok = ::inet_pton(AF_INET, bind_to.c_str(), &b->sin_addr) == 1;
        blen = sizeof *b;
      }
      if (!ok)
        return std::unexpected(
            make_failure("4.4.1", settings.prefix + "bind_address: bad address: " + bind_to));
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&bs), blen) < 0) {
        int e = errno;
        return std::unexpected(make_failure(
            "4.4.1", connect_text(target, false) + ": bind " + bind_to + ": " + std::strerror(e)));
      }
    }
    err = connect_with_deadline(fd.get(), reinterpret_cast<sockaddr*>(&ss), len,
                                settings.timeouts.connect);
  }
  if (err != 0) return std::unexpected(connect_failure(target, unix_socket, err));
  Session session(util::Stream(std::move(fd), settings.timeouts.helo), target, unix_socket,
                  settings);
  session.connected_at = mail::now_seconds();
  return session;
}

}  // namespace smtp
