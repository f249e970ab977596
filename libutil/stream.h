// util::Stream: a buffered, bidirectional stream over one fd (or a pair:
// input fd and output fd, as stand-alone smtpd on stdin/stdout) where every
// operation has a deadline (poll-based). smtpd/smtp speak SMTP over it, the
// policy client and the attribute protocol use it on local sockets.
// Easy to get wrong: a line longer than the limit is NOT an error; read_line
// returns the first `max` bytes with end == kTooLong and the rest of the line
// comes with the next call (or skip_rest_of_line() discards it), which is what
// Postfix needs for both SMTP commands (skip) and message data (continue).
// Errors carry ErrorKind::kEof, kTimeout or kOther (with errno) so the caller
// can log "lost connection" vs "timeout after CMD".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/fd.h"

namespace util {

enum class LineEnd {
  kNewline,  // the line ended in "\n" or the delimiter (removed from text)
  kTooLong,  // `max` bytes read, no newline yet: the line continues
  kEof,      // the peer closed after a partial line without newline
};

struct Line {
  std::string text;
  LineEnd end = LineEnd::kNewline;
};

// How a Stream moves bytes. The default is the fd itself; after STARTTLS
// smtpd/smtp install a TLS transport and keep the same Stream (same line
// bounds and deadlines). Contract, as read(2)/write(2): >0 bytes, 0 = EOF
// (read), -1 with errno. When the call must wait, return -1 with errno
// EAGAIN and set *wait_events to POLLIN or POLLOUT (TLS may need either for
// either direction); the Stream polls the fd and calls again.
class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  virtual ssize_t read(int fd, char* buf, size_t len, short* wait_events) = 0;
  virtual ssize_t write(int fd, const char* buf, size_t len, short* wait_events) = 0;
  // Input already decrypted and waiting inside the transport, so the fd need
  // not become readable before the next read (SSL_pending).
  virtual bool has_pending() const { return false; }
};

class Stream {
 public:
  using Duration = std::chrono::milliseconds;

  explicit Stream(Fd fd, Duration timeout = std::chrono::seconds(300));
  // Read from `in`, write to `out` (two pipes; no transport is installed).
  Stream(Fd in, Fd out, Duration timeout);
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // Unflushed output is dropped, not written: flushing may block or fail and a
  // destructor cannot report that. Call flush() yourself.
  ~Stream();

  // Install a transport (nullptr: back to the plain fd). Input buffered
  // from the old transport stays buffered: a STARTTLS server must check
  // buffered() == 0 first, or plaintext would be taken as protected data.
  void set_transport(std::unique_ptr<StreamTransport> transport);

  int fd() const { return fd_.get(); }
  Fd release_fd() { return std::move(fd_); }
  // The deadline for each following operation (a whole read_line/flush/...).
  void set_timeout(Duration timeout) { timeout_ = timeout; }
  Duration timeout() const { return timeout_; }

  // One line of at most `max` bytes (not counting the newline). "\r" before
  // "\n" is kept; SMTP code strips it. Fails with kEof when the peer closed
  // before sending any byte of a line.
  Result<Line> read_line(size_t max) { return read_until('\n', max); }
  // The same with another terminator (the attribute protocol uses NUL).
  Result<Line> read_until(char delimiter, size_t max);
  // Discard input up to and including the next newline (after kTooLong).
  Result<void> skip_rest_of_line();
  // Exactly n bytes (kEof if the peer closes first).
  Result<std::string> read_exact(size_t n);
  // Whatever is available, 1..max bytes, waiting for at least one.
  Result<std::string> read_some(size_t max);
  // Bytes already read from the fd but not yet returned (SMTP pipelining
  // checks: "improper command pipelining" when the client talked ahead).
  size_t buffered() const { return in_.size() - in_pos_; }
  // True when input is ready within `wait` (buffered input counts).
  Result<bool> readable(Duration wait);

  // Buffer output; it is written when the buffer grows past a bound or on
  // flush().
  Result<void> write(std::string_view data);
  Result<void> flush();

 private:
  using Clock = std::chrono::steady_clock;
  Result<void> fill(Clock::time_point deadline);   // read more into in_
  Result<void> wait_for(int fd, short events, Clock::time_point deadline);
  int write_fd() const { return out_fd_.valid() ? out_fd_.get() : fd_.get(); }
  Clock::time_point deadline() const { return Clock::now() + timeout_; }
  void compact();

  Fd fd_;
  Fd out_fd_;  // valid only for a stream over two fds
  std::unique_ptr<StreamTransport> transport_;
  Duration timeout_;
  bool is_socket_ = false;
  std::string in_;
  size_t in_pos_ = 0;
  std::string out_;
};

}  // namespace util
