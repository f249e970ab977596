// See loopback_server.h.
#include "tests/support/loopback_server.h"

#include <chrono>
#include <stdexcept>

#include "libutil/socket.h"

namespace test {
namespace {
constexpr auto kPoll = std::chrono::milliseconds(50);
}

Connection::Connection(util::Fd fd, const std::atomic<bool>& stopping)
    : stream_(std::move(fd), kPoll), stopping_(stopping) {}

std::optional<std::string> Connection::read_line() {
  std::string text;
  while (!stopping_) {
    auto line = stream_.read_line(1 << 20);
    if (!line) {
      if (line.error().kind == util::ErrorKind::kTimeout) continue;
      return std::nullopt;
    }
    text += line->text;
    if (line->end == util::LineEnd::kNewline) return text;
    if (line->end == util::LineEnd::kEof) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> Connection::read_exact(size_t n) {
  std::string out;
  while (out.size() < n && !stopping_) {
    auto ready = stream_.readable(kPoll);
    if (!ready) return std::nullopt;
    if (!*ready) continue;
    auto some = stream_.read_some(n - out.size());
    if (!some) return std::nullopt;
    out += *some;
  }
  if (out.size() < n) return std::nullopt;
  return out;
}

std::optional<std::string> Connection::read_netstring() {
  size_t len = 0;
  for (;;) {
    auto c = read_exact(1);
    if (!c) return std::nullopt;
    if ((*c)[0] == ':') break;
    if ((*c)[0] < '0' || (*c)[0] > '9') return std::nullopt;
    len = len * 10 + static_cast<size_t>((*c)[0] - '0');
  }
  auto payload = read_exact(len);
  auto comma = read_exact(1);
  if (!payload || !comma || *comma != ",") return std::nullopt;
  return payload;
}

bool Connection::write(std::string_view data) {
  auto w = stream_.write(data);
  if (w) w = stream_.flush();
  return w.has_value();
}

void Connection::stall() {
  while (!stopping_) {
    auto ready = stream_.readable(kPoll);
    if (!ready) return;
    if (!*ready) continue;
    auto some = stream_.read_some(4096);  // whatever the client sends
    if (!some) return;                    // it hung up
  }
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  auto fd = util::inet_listen("127.0.0.1:0", 16);
  if (!fd) throw std::runtime_error(fd.error().message);
  listener_ = std::move(*fd);
  auto port = util::local_port(listener_.get());
  if (!port) throw std::runtime_error(port.error().message);
  port_ = *port;
  start();
}

LoopbackServer::LoopbackServer(const std::string& path, Handler handler)
    : handler_(std::move(handler)) {
  auto fd = util::unix_listen(path, 16);
  if (!fd) throw std::runtime_error(fd.error().message);
  listener_ = std::move(*fd);
  start();
}

void LoopbackServer::start() {
  acceptor_ = std::thread([this] { accept_loop(); });
}

void LoopbackServer::accept_loop() {
  while (!stopping_) {
    auto fd = util::accept_with_timeout(listener_.get(), kPoll);
    if (!fd) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, conn_fd = std::make_shared<util::Fd>(std::move(*fd))]() mutable {
      Connection conn(std::move(*conn_fd), stopping_);
      handler_(conn);
    });
  }
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  acceptor_.join();
  std::lock_guard lock(mu_);
  for (auto& t : workers_) t.join();
}

std::string netstring(std::string_view payload) {
  return std::to_string(payload.size()) + ":" + std::string(payload) + ",";
}

}  // namespace test
