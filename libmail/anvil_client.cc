#include "libmail/anvil_client.h"

#include <utility>

#include "libmail/attr.h"
#include "libmail/service_client.h"

namespace mail {

std::string anvil_ident(std::string_view service, std::string_view address) {
  std::string ident(service);
  ident += ':';
  ident += address;
  return ident;
}

// A reply list with its status checked.
class AnvilClient::Reply {
 public:
  explicit Reply(AttrList attrs) : attrs_(std::move(attrs)) {}
  util::Result<long> number(std::string_view name) const {
    auto v = attrs_.get_int(name);
    if (!v) return std::unexpected(v.error());
    return static_cast<long>(*v);
  }

 private:
  AttrList attrs_;
};

AnvilClient::AnvilClient(std::string path, std::chrono::seconds timeout)
    : path_(std::move(path)), timeout_(timeout) {}

util::Result<AnvilClient::Reply> AnvilClient::call(std::string_view request,
                                                   std::string_view service,
                                                   std::string_view address) {
  AttrList req;
  req.add("request", std::string(request));
  req.add("ident", anvil_ident(service, address));
  // A reply carries at most a handful of numbers.
  AttrLimits limits;
  limits.max_value = 1024;
  limits.max_count = 16;
  limits.max_depth = 1;
  if (!stream_) {
    auto s = connect_service(path_, timeout_);
    if (!s)
      return util::fail("connect to " + path_ + ": " + s.error().message, s.error().sys_errno);
    stream_.emplace(std::move(*s));
  }
  auto reply = attr_request(*stream_, req, limits);
  if (!reply) {
    // The connection is dead (anvil restarted, timed out): start afresh
    // next time.
    stream_.reset();
    return util::fail("problem talking to server " + path_ + ": " + reply.error().message);
  }
  auto status = reply->get_int("status");
  if (!status) {
    stream_.reset();
    return util::fail("malformed reply from " + path_ + ": " + status.error().message);
  }
  if (*status != kAnvilStatusOk)
    return util::fail(path_ + ": request \"" + std::string(request) + "\" failed");
  return Reply(std::move(*reply));
}

util::Result<long> AnvilClient::rate_request(std::string_view request, std::string_view service,
                                             std::string_view address) {
  auto reply = call(request, service, address);
  if (!reply) return std::unexpected(reply.error());
  return reply->number("rate");
}

util::Result<AnvilCount> AnvilClient::connect(std::string_view service, std::string_view address) {
  auto reply = call("connect", service, address);
  if (!reply) return std::unexpected(reply.error());
  auto count = reply->number("count");
  if (!count) return std::unexpected(count.error());
  auto rate = reply->number("rate");
  if (!rate) return std::unexpected(rate.error());
  return AnvilCount{*count, *rate};
}

util::Result<void> AnvilClient::disconnect(std::string_view service, std::string_view address) {
  auto reply = call("disconnect", service, address);
  if (!reply) return std::unexpected(reply.error());
  return {};
}

util::Result<long> AnvilClient::message(std::string_view service, std::string_view address) {
  return rate_request("message", service, address);
}
util::Result<long> AnvilClient::recipient(std::string_view service, std::string_view address) {
  return rate_request("recipient", service, address);
}
util::Result<long> AnvilClient::newtls(std::string_view service, std::string_view address) {
  return rate_request("newtls", service, address);
}
util::Result<long> AnvilClient::auth(std::string_view service, std::string_view address) {
  return rate_request("auth", service, address);
}
util::Result<long> AnvilClient::newtls_report(std::string_view service, std::string_view address) {
  return rate_request("newtls_report", service, address);
}

util::Result<AnvilLookup> AnvilClient::lookup(std::string_view service, std::string_view address) {
  auto reply = call("lookup", service, address);
  if (!reply) return std::unexpected(reply.error());
  AnvilLookup out;
  std::pair<const char*, long*> fields[] = {
      {"count", &out.count},
      {"rate", &out.rate},
      {"message_rate", &out.message_rate},
      {"recipient_rate", &out.recipient_rate},
      {"newtls_rate", &out.newtls_rate},
      {"auth_rate", &out.auth_rate},
  };
  for (auto& [name, slot] : fields) {
    auto v = reply->number(name);
    if (!v) return std::unexpected(v.error());
    *slot = *v;
  }
  return out;
}

}  // namespace mail
