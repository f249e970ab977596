// test::SmtpClient: a small SMTP client for tests, on util::Stream over a
// real TCP connection. It sends raw bytes or lines and reads (multi-line)
// replies, every read bounded by a deadline, so a test never hangs on a
// server that stalls. Users: smtpd integration tests (protocol, limits,
// hostile input, TLS, AUTH, restrictions).
// Easy to get wrong: send_line() appends CRLF, send_raw() sends exactly the
// bytes given (use it for bare LF/CR and other smuggling forms); a reply read
// after the server hung up is an error, not an empty reply.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace test {

struct SmtpReplyLines {
  int code = 0;                    // 250
  std::vector<std::string> lines;  // every line without CRLF: "250-PIPELINING", ...
  // All lines joined with "\n" (no CRLF): handy in REQUIRE messages.
  std::string text() const;
  // The last line, the one that carries "CODE SP text".
  const std::string& last() const { return lines.back(); }
  // True when some line after the first is "CODE-KEYWORD..." or "CODE KEYWORD...".
  bool has_keyword(std::string_view keyword) const;
};

class SmtpClient {
 public:
  // Connect to host:port within `timeout`; every later read/write has the
  // same deadline unless set_timeout changes it.
  static util::Result<SmtpClient> connect(
      const std::string& host, int port,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  SmtpClient(SmtpClient&&) noexcept = default;
  SmtpClient& operator=(SmtpClient&&) noexcept = default;

  void set_timeout(std::chrono::milliseconds timeout) { stream_.set_timeout(timeout); }

  // One reply (all continuation lines). kEof when the server closed first,
  // kTimeout when nothing complete came in time, kMalformed for lines that
  // are not "DDD[ -]...".
  util::Result<SmtpReplyLines> read_reply();
  // The greeting; the same as read_reply().
  util::Result<SmtpReplyLines> banner() { return read_reply(); }

  // Send "line\r\n" (flushed).
  util::Result<void> send_line(std::string_view line);
  // Send bytes as they are (flushed).
  util::Result<void> send_raw(std::string_view bytes);
  // send_line + read_reply.
  util::Result<SmtpReplyLines> command(std::string_view line);

  // True when the server closed the connection within `wait` (reads and
  // discards anything it still sends).
  bool closed_within(std::chrono::milliseconds wait);

  // A whole transaction with dot-stuffing: MAIL FROM, RCPT TO each, DATA,
  // body ("\n" or "\r\n" line ends both become CRLF), final dot. Returns the
  // reply to the final dot, or the first reply that was not 2xx/354.
  util::Result<SmtpReplyLines> send_message(std::string_view from,
                                            const std::vector<std::string>& to,
                                            std::string_view body);

  util::Stream& stream() { return stream_; }

 private:
  explicit SmtpClient(util::Stream stream) : stream_(std::move(stream)) {}
  util::Stream stream_;
};

// The queue ID from "250 2.0.0 Ok: queued as ID" (nullopt if not that reply).
std::optional<std::string> queued_as(const SmtpReplyLines& reply);

}  // namespace test
