#include "libmail/scache_client.h"

#include <utility>

#include "libmail/attr.h"
#include "libmail/service_client.h"
#include "libutil/socket.h"

namespace mail {
namespace {

AttrLimits reply_limits() {
  AttrLimits limits;
  limits.max_value = 4096;
  limits.max_count = 16;
  limits.max_depth = 1;
  return limits;
}

}  // namespace

ScacheClient::ScacheClient(std::string path, std::chrono::seconds timeout)
    : path_(std::move(path)), timeout_(timeout) {}

// Ask for the descriptor the server found, then take it.
util::Result<util::Fd> ScacheClient::take_fd(util::Stream& s) {
  AttrList ready;
  ready.add("request", "ready");
  if (auto w = write_attrs(s, ready); !w) return std::unexpected(w.error());
  return util::recv_fd(s.fd(), timeout_);
}

util::Result<util::Stream*> ScacheClient::stream() {
  if (!stream_) {
    auto s = connect_service(path_, timeout_);
    if (!s)
      return util::fail("connect to " + path_ + ": " + s.error().message, s.error().sys_errno);
    stream_.emplace(std::move(*s));
  }
  return &*stream_;
}

template <typename T>
T ScacheClient::lost(T error) {
  stream_.reset();  // start afresh next time
  return error;
}

util::Result<void> ScacheClient::save_endp(std::chrono::seconds ttl, std::string_view label,
                                           std::string_view prop, int fd) {
  auto s = stream();
  if (!s) return std::unexpected(s.error());
  AttrList req;
  req.add("request", "save_endp");
  req.add("ttl", static_cast<std::int64_t>(ttl.count()));
  req.add("label", std::string(label));
  req.add("prop", std::string(prop));
  auto go = attr_request(**s, req, reply_limits());
  if (!go)
    return lost(util::fail("problem talking to server " + path_ + ": " + go.error().message));
  if (go->get_int("status").value_or(1) != 0) return util::fail(path_ + ": connection not cached");
  if (auto f = util::send_fd((*s)->fd(), fd); !f)
    return lost(util::fail("problem talking to server " + path_ + ": " + f.error().message));
  auto reply = read_attrs(**s, reply_limits());
  if (!reply)
    return lost(util::fail("problem talking to server " + path_ + ": " + reply.error().message));
  if (reply->get_int("status").value_or(1) != 0)
    return util::fail(path_ + ": connection not cached");
  return {};
}

util::Result<void> ScacheClient::save_dest(std::chrono::seconds ttl, std::string_view label,
                                           std::string_view prop, std::string_view endp_label) {
  auto s = stream();
  if (!s) return std::unexpected(s.error());
  AttrList req;
  req.add("request", "save_dest");
  req.add("ttl", static_cast<std::int64_t>(ttl.count()));
  req.add("label", std::string(label));
  req.add("prop", std::string(prop));
  req.add("endp_label", std::string(endp_label));
  auto reply = attr_request(**s, req, reply_limits());
  if (!reply)
    return lost(util::fail("problem talking to server " + path_ + ": " + reply.error().message));
  if (reply->get_int("status").value_or(1) != 0)
    return util::fail(path_ + ": destination not cached");
  return {};
}

util::Result<std::optional<ScacheClient::Found>> ScacheClient::find(std::string_view request,
                                                                    std::string_view label) {
  auto s = stream();
  if (!s) return std::unexpected(s.error());
  AttrList req;
  req.add("request", std::string(request));
  req.add("label", std::string(label));
  auto reply = attr_request(**s, req, reply_limits());
  if (!reply)
    return lost(util::fail("problem talking to server " + path_ + ": " + reply.error().message));
  if (reply->get_int("status").value_or(1) != 0) return std::optional<Found>();
  auto fd = take_fd(**s);
  if (!fd)
    return lost(util::fail("problem talking to server " + path_ + ": " + fd.error().message));
  return std::optional<Found>(Found{std::move(*reply), std::move(*fd)});
}

util::Result<std::optional<CachedConnection>> ScacheClient::find_endp(std::string_view label) {
  auto found = find("find_endp", label);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<CachedConnection>();
  CachedConnection c;
  c.endp_label = std::string(label);
  c.endp_prop = (*found)->reply.get_string("prop").value_or("");
  c.fd = std::move((*found)->fd);
  return std::optional<CachedConnection>(std::move(c));
}

util::Result<std::optional<CachedConnection>> ScacheClient::find_dest(std::string_view label) {
  auto found = find("find_dest", label);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<CachedConnection>();
  const AttrList& reply = (*found)->reply;
  CachedConnection c;
  c.dest_prop = reply.get_string("prop").value_or("");
  c.endp_label = reply.get_string("endp_label").value_or("");
  c.endp_prop = reply.get_string("endp_prop").value_or("");
  c.fd = std::move((*found)->fd);
  return std::optional<CachedConnection>(std::move(c));
}

}  // namespace mail
