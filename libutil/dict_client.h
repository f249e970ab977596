// What the network table clients (tcp:, socketmap:, memcache:) share: the
// server endpoint, one persistent connection with deadlines, and the retry
// limits that tests shrink so a stalling server costs milliseconds.
// Users: dict_tcp.cc, dict_socketmap.cc, dict_memcache.cc and their tests.
// Easy to get wrong: a failed lookup must come back as an error (the mail
// waits), never as "not found"; and the error text Postfix prints after
// "query error: " is whatever errno its client last saw, which for a fresh
// connection is EINPROGRESS (its connect is non-blocking) -- DictConnection
// keeps that errno so postmap prints the same words.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/dict.h"
#include "libutil/socket.h"
#include "libutil/stream.h"

namespace util {

// Where a table server listens: "inet:host:port", "unix:/path", or (tcp:)
// a bare "host:port".
struct DictEndpoint {
  bool unix_domain = false;
  std::string host;  // or the socket path when unix_domain
  std::string port;
  // As Postfix names it in "connect to ..." warnings: "host:port" / path.
  std::string text() const { return unix_domain ? host : host + ":" + port; }
};

// "inet:host:port" or "unix:/path", with Postfix's wording for a name that
// is neither: need service transport:endpoint instead of "x", invalid
// transport name: x in service: x:y.
Result<DictEndpoint> parse_dict_service(std::string_view service);
// "host:port" or "[v6]:port".
Result<DictEndpoint> parse_dict_host_port(std::string_view host_port);

struct DictClientLimits {
  Timeout timeout;                         // each connect, send and reply
  int max_try;                             // attempts per request
  std::chrono::milliseconds retry_pause;   // between attempts
};

// Postfix's fixed limits: tcp_table(5) (100 s, 10 tries, 1 s apart) and
// socketmap_table(5) (100 s; one reconnect after a broken connection).
DictClientLimits tcp_dict_limits();
DictClientLimits socketmap_dict_limits();

// One lazily opened connection to a table server.
class DictConnection {
 public:
  DictConnection(DictEndpoint endpoint, Timeout timeout)
      : endpoint_(std::move(endpoint)), timeout_(timeout) {}

  const DictEndpoint& endpoint() const { return endpoint_; }
  // The open stream, connecting first when there is none. On failure the
  // error is "connect to <warn_name>: REASON" with sys_errno set.
  Result<Stream*> stream(std::string_view warn_name);
  bool connected() const { return stream_.has_value(); }
  void close() { stream_.reset(); }
  // Remember the errno behind an I/O failure (ETIMEDOUT for a deadline).
  void note_error(const Error& e);
  // strerror() of the last errno, the reason Postfix's clients report.
  std::string last_reason() const;

 private:
  DictEndpoint endpoint_;
  Timeout timeout_;
  std::optional<Stream> stream_;
  int last_errno_ = 0;
};

// tcp:host:port and socketmap:... with explicit limits (tests); dict_open
// uses the defaults above.
Result<std::unique_ptr<Dict>> open_tcp_dict_with(std::string_view name, const DictOpenOptions&,
                                                 const DictClientLimits& limits);
Result<std::unique_ptr<Dict>> open_socketmap_dict_with(std::string_view name,
                                                       const DictOpenOptions&,
                                                       const DictClientLimits& limits);

}  // namespace util
