#include "libutil/stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "libutil/os.h"

using namespace std::chrono_literals;

namespace {

struct Pair {
  util::Fd a, b;
};

Pair socket_pair() {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  return {util::Fd(sv[0]), util::Fd(sv[1])};
}

void send_text(int fd, const std::string& s) {
  REQUIRE(::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
}

}  // namespace

TEST_CASE("stream reads lines and tells a too-long line from a complete one", "[stream]") {
  auto p = socket_pair();
  util::Stream in(std::move(p.a), 2s);
  send_text(p.b.get(), "EHLO x\r\n" + std::string(20, 'a') + "\nshort\n");
  auto l1 = in.read_line(10);
  REQUIRE(l1);
  REQUIRE(l1->text == "EHLO x\r");
  REQUIRE(l1->end == util::LineEnd::kNewline);
  auto l2 = in.read_line(10);
  REQUIRE(l2);
  REQUIRE(l2->text == std::string(10, 'a'));
  REQUIRE(l2->end == util::LineEnd::kTooLong);
  REQUIRE(in.skip_rest_of_line());
  auto l3 = in.read_line(10);
  REQUIRE(l3);
  REQUIRE(l3->text == "short");
  REQUIRE(l3->end == util::LineEnd::kNewline);
}

TEST_CASE("a line of exactly the limit followed by newline is complete", "[stream]") {
  auto p = socket_pair();
  util::Stream in(std::move(p.a), 2s);
  send_text(p.b.get(), "0123456789\n01234567890\n");
  auto l = in.read_line(10);
  REQUIRE(l);
  REQUIRE(l->end == util::LineEnd::kNewline);
  REQUIRE(l->text == "0123456789");
  auto l2 = in.read_line(10);
  REQUIRE(l2->end == util::LineEnd::kTooLong);
  auto rest = in.read_line(10);
  REQUIRE(rest->text == "0");
  REQUIRE(rest->end == util::LineEnd::kNewline);
}

TEST_CASE("a long line arriving in pieces is still bounded", "[stream]") {
  auto p = socket_pair();
  util::Stream in(std::move(p.a), 2s);
  std::thread writer([fd = p.b.get()] {
    for (int i = 0; i < 50; ++i) {
      std::string chunk(1000, 'x');
      (void)!::write(fd, chunk.data(), chunk.size());
    }
    (void)!::write(fd, "\n", 1);
  });
  size_t total = 0;
  int pieces = 0;
  for (;;) {
    auto l = in.read_line(2048);
    REQUIRE(l);
    REQUIRE(l->text.size() <= 2048);
    total += l->text.size();
    ++pieces;
    if (l->end == util::LineEnd::kNewline) break;
  }
  writer.join();
  REQUIRE(total == 50000);
  REQUIRE(pieces == 25);
}

TEST_CASE("end of file, partial last line and timeout are distinct", "[stream]") {
  SECTION("timeout") {
    auto p = socket_pair();
    util::Stream in(std::move(p.a), 100ms);
    auto start = std::chrono::steady_clock::now();
    auto l = in.read_line(100);
    REQUIRE_FALSE(l);
    REQUIRE(l.error().kind == util::ErrorKind::kTimeout);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(took >= 90ms);
    REQUIRE(took < 2s);
  }
  SECTION("partial line then eof") {
    auto p = socket_pair();
    util::Stream in(std::move(p.a), 2s);
    send_text(p.b.get(), "QUI");
    p.b.reset();
    auto l = in.read_line(100);
    REQUIRE(l);
    REQUIRE(l->text == "QUI");
    REQUIRE(l->end == util::LineEnd::kEof);
    auto again = in.read_line(100);
    REQUIRE_FALSE(again);
    REQUIRE(again.error().kind == util::ErrorKind::kEof);
  }
}

TEST_CASE("read_exact waits for all bytes and reports eof if they never come", "[stream]") {
  auto p = socket_pair();
  util::Stream in(std::move(p.a), 2s);
  send_text(p.b.get(), std::string("ab\0cd", 5));
  auto r = in.read_exact(5);
  REQUIRE(r);
  REQUIRE(*r == std::string("ab\0cd", 5));
  send_text(p.b.get(), "xy");
  p.b.reset();
  auto short_read = in.read_exact(5);
  REQUIRE_FALSE(short_read);
  REQUIRE(short_read.error().kind == util::ErrorKind::kEof);
}

TEST_CASE("written data arrives after flush and readable sees it", "[stream]") {
  auto p = socket_pair();
  util::Stream out(std::move(p.a), 2s);
  util::Stream in(std::move(p.b), 2s);
  REQUIRE(in.readable(0ms) == false);
  REQUIRE(out.write("250 ok\r\n"));
  REQUIRE(in.readable(50ms) == false);  // still buffered on the writer's side
  REQUIRE(out.flush());
  REQUIRE(in.readable(1s) == true);
  auto l = in.read_line(100);
  REQUIRE(l->text == "250 ok\r");
  REQUIRE(in.buffered() == 0);
}

TEST_CASE("writing to a closed pipe is an error, not a fatal signal", "[stream]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  util::Fd reader(fds[0]);
  util::Stream out(util::Fd(fds[1]), 2s);
  reader.reset();
  REQUIRE(out.write("hello"));
  auto r = out.flush();
  REQUIRE_FALSE(r);
  REQUIRE(r.error().sys_errno == EPIPE);
}

TEST_CASE("a stream over two pipes reads one and writes the other", "[stream]") {
  // Stand-alone smtpd: stdin and stdout are separate pipes.
  int in_fds[2], out_fds[2];
  REQUIRE(::pipe(in_fds) == 0);
  REQUIRE(::pipe(out_fds) == 0);
  util::Fd feed(in_fds[1]), result(out_fds[0]);
  util::Stream s(util::Fd(in_fds[0]), util::Fd(out_fds[1]), 2s);
  send_text(feed.get(), "EHLO x\r\n");
  auto l = s.read_line(100);
  REQUIRE(l);
  CHECK(l->text == "EHLO x\r");
  REQUIRE(s.write("250 ok\r\n"));
  REQUIRE(s.flush());
  char buf[32];
  ssize_t n = ::read(result.get(), buf, sizeof buf);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "250 ok\r\n");
  // The reader of our output went away: an error, not SIGPIPE.
  result.reset();
  REQUIRE(s.write("more"));
  CHECK_FALSE(s.flush());
  // End of input is still seen on the input pipe.
  feed.reset();
  CHECK_FALSE(s.read_line(100));
}

TEST_CASE("an injected write failure surfaces from flush", "[stream]") {
  auto p = socket_pair();
  util::Stream out(std::move(p.a), 2s);
  util::os::clear_injected_failures();
  util::os::inject_failure(util::os::Call::kSend, 1, ECONNRESET);
  REQUIRE(out.write("x"));
  auto r = out.flush();
  util::os::clear_injected_failures();
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "write: Connection reset by peer");
}

namespace {

// A stand-in for TLS: flips bytes on the wire, says EAGAIN (wanting the
// other direction's readiness) on every other call, and holds one decoded
// byte back as "pending" so the stream must read without polling.
class FlipTransport : public util::StreamTransport {
 public:
  ssize_t read(int fd, char* buf, size_t len, short* wait_events) override {
    if (!held_.empty()) {
      buf[0] = held_[0];
      held_.clear();
      return 1;
    }
    if (++calls_ % 2 == 1) {
      *wait_events = POLLOUT;  // a renegotiation-like detour
      errno = EAGAIN;
      return -1;
    }
    char tmp[4096];
    ssize_t n = ::read(fd, tmp, std::min(len, sizeof tmp));
    if (n <= 0) return n;
    for (ssize_t i = 0; i < n; ++i) buf[i] = static_cast<char>(tmp[i] ^ 0x20);
    if (n > 1) {
      held_.assign(1, buf[n - 1]);
      return n - 1;
    }
    return n;
  }
  ssize_t write(int fd, const char* buf, size_t len, short*) override {
    std::string tmp(buf, len);
    for (char& c : tmp) c = static_cast<char>(c ^ 0x20);
    return ::write(fd, tmp.data(), tmp.size());
  }
  bool has_pending() const override { return !held_.empty(); }

 private:
  int calls_ = 0;
  std::string held_;
};

}  // namespace

TEST_CASE("a stream keeps its line discipline over a custom transport", "[stream]") {
  auto p = socket_pair();
  util::Stream a(std::move(p.a), 2s);
  util::Stream b(std::move(p.b), 2s);
  a.set_transport(std::make_unique<FlipTransport>());
  b.set_transport(std::make_unique<FlipTransport>());
  REQUIRE(a.write("220 ready\r\nAB"));
  REQUIRE(a.flush());
  auto l = b.read_line(100);
  REQUIRE(l);
  REQUIRE(l->text == "220 ready\r");
  REQUIRE(b.readable(0ms).value());
  auto rest = b.read_exact(2);
  REQUIRE(rest);
  REQUIRE(*rest == "AB");
  // Switching back to the plain fd shows the bytes as they travel.
  b.set_transport(nullptr);
  REQUIRE(a.write("x"));
  REQUIRE(a.flush());
  REQUIRE(b.read_exact(1).value() == "X");
}
