#include "libmail/proxymap_client.h"

#include <cstring>

#include "libmail/attr.h"
#include "libmail/service_client.h"

namespace mail {

util::Result<ProxymapClient> ProxymapClient::connect(const std::string& path,
                                                     std::chrono::seconds timeout) {
  auto stream = connect_service(path, timeout);
  if (!stream) {
    const util::Error& e = stream.error();
    return util::fail("connect to " + path + ": " +
                          (e.sys_errno ? std::string(std::strerror(e.sys_errno)) : e.message),
                      e.sys_errno);
  }
  ProxymapClient client(std::move(*stream));
  client.path_ = path;
  return client;
}

ProxyReply ProxymapClient::call(std::string_view request, std::string_view table,
                                std::int64_t flags, const std::optional<std::string_view>& key,
                                const std::optional<std::string_view>& value) {
  AttrList req;
  req.add("request", std::string(request)).add("table", std::string(table)).add("flags", flags);
  if (key) req.add("key", std::string(*key));
  if (value) req.add("value", std::string(*value));
  ProxyReply out;
  auto reply = attr_request(stream_, req);
  if (!reply) {
    out.error = path_ + ": " + reply.error().message;
    return out;
  }
  auto status = reply->get_int("status");
  if (!status || *status < 0 || *status > static_cast<int>(ProxyStatus::kBad)) {
    out.error = path_ + ": malformed reply";
    return out;
  }
  out.status = static_cast<ProxyStatus>(*status);
  if (out.status == ProxyStatus::kOk) out.value = reply->get_string("value").value_or("");
  return out;
}

ProxyReply ProxymapClient::open(std::string_view table, std::int64_t flags) {
  return call("open", table, flags, std::nullopt, std::nullopt);
}

ProxyReply ProxymapClient::lookup(std::string_view table, std::string_view key,
                                  std::int64_t flags) {
  return call("lookup", table, flags, key, std::nullopt);
}

ProxyReply ProxymapClient::update(std::string_view table, std::string_view key,
                                  std::string_view value, std::int64_t flags) {
  return call("update", table, flags, key, value);
}

ProxyReply ProxymapClient::remove(std::string_view table, std::string_view key,
                                  std::int64_t flags) {
  return call("delete", table, flags, key, std::nullopt);
}

}  // namespace mail
