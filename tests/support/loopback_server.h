// A scripted server on a real loopback socket (TCP on 127.0.0.1, port 0, or
// a UNIX socket), for testing network clients against something that
// answers right, answers garbage, closes or stalls.
// Each accepted connection runs the handler in its own thread; the
// destructor stops accepting, tells handlers to stop and joins them.
// Easy to get wrong: a handler must return once Connection calls report the
// end (nullopt / false), or the destructor would wait for it forever.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "libutil/fd.h"
#include "libutil/stream.h"

namespace test {

class Connection {
 public:
  Connection(util::Fd fd, const std::atomic<bool>& stopping);
  // One line without its "\n" ("\r" kept); nullopt on EOF or server stop.
  std::optional<std::string> read_line();
  // Exactly n bytes; nullopt on EOF or server stop.
  std::optional<std::string> read_exact(size_t n);
  // A netstring's payload ("5:hello," -> "hello"); nullopt on EOF, stop or
  // a malformed netstring.
  std::optional<std::string> read_netstring();
  bool write(std::string_view data);
  // Say nothing until the client hangs up or the server stops.
  void stall();

 private:
  util::Stream stream_;
  const std::atomic<bool>& stopping_;
};

class LoopbackServer {
 public:
  using Handler = std::function<void(Connection&)>;
  // TCP on 127.0.0.1 with a free port.
  explicit LoopbackServer(Handler handler);
  // UNIX-domain socket at `path`.
  LoopbackServer(const std::string& path, Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT"
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

 private:
  void start();
  void accept_loop();

  Handler handler_;
  util::Fd listener_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// Netstring framing ("hello" -> "5:hello,").
std::string netstring(std::string_view payload);

}  // namespace test
