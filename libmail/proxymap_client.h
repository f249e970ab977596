// Client side of the proxymap/proxywrite services (private/proxymap,
// private/proxywrite; the daemon is proxymap/). Users: the integration tests,
// and later util's proxy: table type (today libutil/dict_proxy.cc still
// opens the inner table in-process).
// Protocol (ours, libmail/attr.h framing; proxymap/proxymap_service.h has
// the full description): one attribute list per request, one per reply,
// any number of requests per connection:
//   {request=open,   table, flags}             -> {status}
//   {request=lookup, table, flags, key}        -> {status, value}
//   {request=update, table, flags, key, value} -> {status}
//   {request=delete, table, flags, key}        -> {status}
// Easy to get wrong: "not found" (kNotFound) and "could not search the
// table" (kRetry) are different answers; a caller must defer mail on kRetry,
// never treat it as a miss. Transport failures are reported as kRetry too.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

enum class ProxyStatus : int {
  kOk = 0,        // found / done
  kNotFound = 1,  // no such key
  kRetry = 2,     // the table (or the service) could not be used now
  kBad = 3,       // malformed request, or the table is not approved
};

// Request flags (the "flags" attribute), how the server opens the table.
inline constexpr std::int64_t kProxyFlagNoFold = 1;  // keys are case-sensitive (postmap -f)
inline constexpr std::int64_t kProxyFlagUtf8 = 2;    // smtputf8_enable semantics

struct ProxyReply {
  ProxyStatus status = ProxyStatus::kRetry;
  std::string value;  // lookup: the value when kOk
  std::string error;  // transport/protocol failure, when there was one
};

// One connection to a proxymap endpoint ("private/proxymap" from a daemon,
// "$queue_directory/private/proxywrite" from elsewhere). Requests may be
// repeated on it; after a transport error the connection is dead.
class ProxymapClient {
 public:
  static util::Result<ProxymapClient> connect(
      const std::string& path, std::chrono::seconds timeout = std::chrono::seconds(100));

  ProxyReply open(std::string_view table, std::int64_t flags = 0);
  ProxyReply lookup(std::string_view table, std::string_view key, std::int64_t flags = 0);
  ProxyReply update(std::string_view table, std::string_view key, std::string_view value,
                    std::int64_t flags = 0);
  ProxyReply remove(std::string_view table, std::string_view key, std::int64_t flags = 0);

 private:
  explicit ProxymapClient(util::Stream stream) : stream_(std::move(stream)) {}
  ProxyReply call(std::string_view request, std::string_view table, std::int64_t flags,
                  const std::optional<std::string_view>& key,
                  const std::optional<std::string_view>& value);

  util::Stream stream_;
  std::string path_;
};

}  // namespace mail
