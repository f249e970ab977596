// socketmap:inet:host:port:name and socketmap:unix:/path:name, the Sendmail
// socketmap protocol as Postfix's socketmap_table(5) client speaks it: the
// request is the netstring "name key", the reply a netstring "OK value",
// "NOTFOUND ", "TEMP reason", "TIMEOUT reason" or "PERM reason", at most
// 100000 bytes. Read-only, keys sent as given, whole keys only.
// Easy to get wrong: only a connection that breaks (EOF, timeout) is tried
// once more on a new connection -- the server may simply have closed an
// idle one; a malformed or over-long netstring is an error at once. Every
// failure drops the connection: what is left in it cannot be trusted.
#include <cctype>
#include <memory>
#include <thread>

#include "libutil/dict_client.h"
#include "libutil/dict_types.h"
#include "libutil/log.h"

namespace util {
namespace {

constexpr size_t kMaxReply = 100000;

enum class ReadFailure { kBroken, kMalformed };

struct NetstringError {
  ReadFailure failure;
  std::string reason;  // Postfix's netstring words
};

class SocketmapDict : public Dict {
 public:
  SocketmapDict(std::string name, DictEndpoint endpoint, std::string map,
                const DictClientLimits& limits)
      : Dict("socketmap", std::move(name)),
        conn_(std::move(endpoint), limits.timeout),
        map_(std::move(map)),
        limits_(limits) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string payload = map_ + " " + std::string(key);
    std::string request = std::to_string(payload.size()) + ":" + payload + ",";
    for (int attempt = 1;; ++attempt) {
      auto stream = conn_.stream(conn_.endpoint().text());
      if (!stream) {
        msg_warn(stream.error().message);
        return lookup_error(conn_.last_reason());
      }
      auto reply = exchange(**stream, request);
      if (reply) return parse_reply(key, *reply);
      conn_.close();
      if (reply.error().failure == ReadFailure::kBroken && attempt < limits_.max_try) {
        std::this_thread::sleep_for(limits_.retry_pause);
        continue;
      }
      return lookup_error(reply.error().reason);
    }
  }

 private:
  std::unexpected<Error> lookup_error(const std::string& reason) {
    msg_warn("table " + type_name() + " lookup error: " + reason);
    return op_error("query", conn_.last_reason());
  }

  std::unexpected<NetstringError> broken(const Error& e) {
    conn_.note_error(e);
    if (e.kind == ErrorKind::kTimeout) return std::unexpected(NetstringError{ReadFailure::kBroken, "time limit exceeded"});
    return std::unexpected(NetstringError{ReadFailure::kBroken, "unexpected disconnect"});
  }

  static std::unexpected<NetstringError> malformed(std::string reason) {
    return std::unexpected(NetstringError{ReadFailure::kMalformed, std::move(reason)});
  }

  std::expected<std::string, NetstringError> exchange(Stream& stream, const std::string& request) {
    auto w = stream.write(request);
    if (w) w = stream.flush();
    if (!w) return broken(w.error());
    // The length: digits up to ':'. More digits than the limit has can
    // only be an over-long reply.
    size_t length = 0;
    size_t digits = 0;
    for (;;) {
      auto c = stream.read_exact(1);
      if (!c) return broken(c.error());
      unsigned char ch = static_cast<unsigned char>((*c)[0]);
      if (ch == ':' && digits > 0) break;
      if (!std::isdigit(ch)) return malformed("input format error");
      length = length * 10 + (ch - '0');
      if (++digits > 7 || length > kMaxReply) return malformed("input exceeds size limit");
    }
    auto data = stream.read_exact(length);
    if (!data) return broken(data.error());
    auto comma = stream.read_exact(1);
    if (!comma) return broken(comma.error());
    if ((*comma)[0] != ',') return malformed("input format error");
    return std::move(*data);
  }

  Result<std::optional<std::string>> parse_reply(std::string_view key, const std::string& reply) {
    size_t space = reply.find(' ');
    std::string status = reply.substr(0, space);
    std::string reason = space == std::string::npos ? "" : reply.substr(space + 1);
    std::string detail = reason.empty() ? "" : ": " + reason;
    if (status == "OK") {
      // "OK" with no space at all carries no value: Postfix treats it as
      // not found, while "OK " is an (empty) answer.
      if (space == std::string::npos) return std::nullopt;
      if (reason.empty()) warn_empty_result(key);
      return reason;
    }
    if (status == "NOTFOUND") return std::nullopt;
    if (status == "PERM") {
      msg_warn(type_name() + " socketmap server permanent error" + detail);
      // A configuration error in Postfix's terms: no errno in the message.
      return fail("table " + type_name() + ": query error");
    }
    std::string kind = status == "TEMP"      ? "temporary"
                       : status == "TIMEOUT" ? "timeout"
                                             : "unknown";
    msg_warn(type_name() + " socketmap server " + kind + " error" + detail);
    return op_error("query", conn_.last_reason());
  }

  DictConnection conn_;
  std::string map_;
  DictClientLimits limits_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_socketmap_dict_with(std::string_view name,
                                                       const DictOpenOptions&,
                                                       const DictClientLimits& limits) {
  // The map name is what follows the last colon; the rest is the service.
  size_t colon = name.rfind(':');
  std::string_view service = colon == std::string_view::npos ? name : name.substr(0, colon);
  if (colon == std::string_view::npos || colon + 1 == name.size()) {
    return fail("need service transport:endpoint instead of \"" + std::string(service) + "\"");
  }
  auto endpoint = parse_dict_service(service);
  if (!endpoint) return std::unexpected(endpoint.error());
  return std::make_unique<SocketmapDict>(std::string(name), std::move(*endpoint),
                                         std::string(name.substr(colon + 1)), limits);
}

Result<std::unique_ptr<Dict>> open_socketmap_dict(std::string_view name,
                                                  const DictOpenOptions& options) {
  return open_socketmap_dict_with(name, options, socketmap_dict_limits());
}

}  // namespace util
