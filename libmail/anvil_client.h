// mail::AnvilClient: the client side of the anvil service (private/anvil),
// which counts per (service:client_address) connections and the rates of
// connections, messages, recipients, new TLS sessions and AUTH commands over
// anvil_rate_time_unit, for all smtpd processes at once. Users: smtpd's
// AnvilLimits (smtpd/anvil_limits.cc) and the tests; the daemon is anvil/.
// Protocol (ours; libmail/attr.h framing), one reply per request, any number
// of requests per connection:
//   {request=connect,    ident}  -> {status, count, rate}
//   {request=disconnect, ident}  -> {status}
//   {request=message|recipient|newtls|auth, ident} -> {status, rate}
//   {request=newtls_report, ident} -> {status, rate}    (no increment)
//   {request=lookup,     ident}  -> {status, count, rate, message_rate,
//                                    recipient_rate, newtls_rate, auth_rate}
// ident is "service:address" (e.g. "smtp:127.0.0.2"); status 0 ok, 1 fail.
// Easy to get wrong: anvil forgets the connections a client registered when
// that client's connection to anvil closes (as Postfix's anvil does), so a
// client must keep ONE connection open for as long as its sessions last; a
// reconnect after an error therefore loses the old counts, which is the
// safe direction (fewer refusals, never stuck counts).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

inline constexpr std::int64_t kAnvilStatusOk = 0;
inline constexpr std::int64_t kAnvilStatusFail = 1;

// "service:address", the key anvil counts under and logs as "(service:address)".
std::string anvil_ident(std::string_view service, std::string_view address);

struct AnvilCount {
  long count = 0;  // simultaneous connections now (this one included)
  long rate = 0;   // connections in the current time unit
};

struct AnvilLookup {
  long count = 0;
  long rate = 0;
  long message_rate = 0;
  long recipient_rate = 0;
  long newtls_rate = 0;
  long auth_rate = 0;
};

class AnvilClient {
 public:
  // `path`: "private/anvil" from a daemon (cwd = queue_directory), an
  // absolute path elsewhere. Nothing is connected until the first request;
  // after a failure the next request connects afresh. Every connect, write
  // and read has `timeout` as its deadline.
  AnvilClient(std::string path, std::chrono::seconds timeout);

  util::Result<AnvilCount> connect(std::string_view service, std::string_view address);
  util::Result<void> disconnect(std::string_view service, std::string_view address);
  // Each returns the rate after counting this event.
  util::Result<long> message(std::string_view service, std::string_view address);
  util::Result<long> recipient(std::string_view service, std::string_view address);
  util::Result<long> newtls(std::string_view service, std::string_view address);
  util::Result<long> auth(std::string_view service, std::string_view address);
  // The new-TLS-session rate without counting one.
  util::Result<long> newtls_report(std::string_view service, std::string_view address);
  util::Result<AnvilLookup> lookup(std::string_view service, std::string_view address);

  const std::string& path() const { return path_; }

 private:
  class Reply;
  util::Result<Reply> call(std::string_view request, std::string_view service,
                           std::string_view address);
  util::Result<long> rate_request(std::string_view request, std::string_view service,
                                  std::string_view address);

  std::string path_;
  std::chrono::seconds timeout_;
  std::optional<util::Stream> stream_;
};

}  // namespace mail
