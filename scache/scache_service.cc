#include "scache/scache_service.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "libmail/multi_server.h"
#include "libutil/log.h"
#include "libutil/socket.h"

namespace scache {
namespace {

mail::AttrLimits request_limits() {
  mail::AttrLimits limits;
  limits.max_value = 4096;
  limits.max_count = 16;
  limits.max_depth = 1;
  return limits;
}

mail::AttrList status_reply(int status) {
  mail::AttrList reply;
  reply.add("status", status);
  return reply;
}

// The request's ttl capped at the limit; nullopt (with a warning) when bad.
std::optional<std::time_t> expiry(const mail::AttrList& req, const Settings& settings,
                                  std::time_t now) {
  auto ttl = req.get_int("ttl");
  if (!ttl || *ttl <= 0) {
    util::msg_warn("bad ttl: " + (ttl ? std::to_string(*ttl) : ttl.error().message));
    return std::nullopt;
  }
  return now + std::min<std::int64_t>(*ttl, settings.ttl_limit);
}

// A found connection: the reply, then the fd once the client asks for it
// (see libmail/scache_client.h for why it must ask).
bool reply_with_fd(util::Stream& client, const mail::AttrList& reply, util::Fd fd,
                   const Settings& settings) {
  if (!mail::write_attrs(client, reply)) return false;
  auto saved = client.timeout();
  client.set_timeout(settings.fd_timeout);
  auto ready = mail::read_attrs(client, request_limits());
  client.set_timeout(saved);
  if (!ready || ready->get_string("request").value_or("") != "ready" || client.buffered() > 0) {
    util::msg_warn("client did not take its connection");
    return false;  // the fd is closed here: the connection is given up
  }
  if (auto s = util::send_fd(client.fd(), fd.get()); !s) {
    util::msg_warn("send connection: " + s.error().message);
    return false;
  }
  return true;  // our copy of the fd closes here; the client has its own
}

bool handle(util::Stream& client, ScacheTable& table, const Settings& settings,
            const mail::AttrList& req) {
  const std::time_t now = std::time(nullptr);
  auto kind = req.get_string("request");
  auto label = req.get_string("label");
  if (!kind || !label) {
    util::msg_warn("malformed request: " + (!kind ? kind.error().message : label.error().message));
    return false;
  }
  if (*kind == "save_endp") {
    auto expires = expiry(req, settings, now);
    if (!expires) return static_cast<bool>(mail::write_attrs(client, status_reply(1)));
    // Ask for the fd; it comes on its own and nothing else may be pending.
    if (client.buffered() > 0) {
      util::msg_warn("save_endp: data before the connection descriptor");
      return false;
    }
    if (!mail::write_attrs(client, status_reply(0))) return false;
    auto fd = util::recv_fd(client.fd(), settings.fd_timeout);
    if (!fd) {
      util::msg_warn("save_endp: " + fd.error().message);
      return false;
    }
    table.save_endp(*label, req.get_string("prop").value_or(""), std::move(*fd), *expires, now);
    return static_cast<bool>(mail::write_attrs(client, status_reply(0)));
  }
  if (*kind == "save_dest") {
    auto endp = req.get_string("endp_label");
    auto expires = expiry(req, settings, now);
    if (!endp || !expires) return static_cast<bool>(mail::write_attrs(client, status_reply(1)));
    table.save_dest(*label, req.get_string("prop").value_or(""), *endp, *expires, now);
    return static_cast<bool>(mail::write_attrs(client, status_reply(0)));
  }
  if (*kind == "find_endp") {
    auto found = table.find_endp(*label, now);
    if (!found) return static_cast<bool>(mail::write_attrs(client, status_reply(1)));
    mail::AttrList reply = status_reply(0);
    reply.add("prop", found->endp_prop);
    return reply_with_fd(client, reply, std::move(found->fd), settings);
  }
  if (*kind == "find_dest") {
    auto found = table.find_dest(*label, now);
    if (!found) return static_cast<bool>(mail::write_attrs(client, status_reply(1)));
    mail::AttrList reply = status_reply(0);
    reply.add("prop", found->dest_prop);
    reply.add("endp_label", found->endp_label);
    reply.add("endp_prop", found->endp_prop);
    return reply_with_fd(client, reply, std::move(found->fd), settings);
  }
  util::msg_warn("unrecognized request: \"" + *kind + "\", ignored");
  return static_cast<bool>(mail::write_attrs(client, status_reply(1)));
}

void log_statistics(ScacheTable& table) {
  for (const std::string& line : table.statistics(std::time(nullptr))) util::msg_info(line);
}

struct State {
  std::optional<ScacheTable> table;
  Settings settings;
  std::optional<mail::PeriodicTimer> status_timer, expire_timer;
};

}  // namespace

bool serve_request(util::Stream& client, ScacheTable& table, const Settings& settings) {
  auto req = mail::read_attrs(client, request_limits());
  if (!req) {
    if (req.error().kind != util::ErrorKind::kEof)
      util::msg_warn("read request: " + req.error().message);
    return false;
  }
  return handle(client, table, settings, *req);
}

int run(int argc, char** argv) {
  static State state;
  mail::MultiHooks hooks;
  hooks.post_jail = [](mail::Daemon& daemon) {
    state.table.emplace(kMaxSessions);
    state.table->set_start(std::time(nullptr));
    state.settings.ttl_limit = std::max(1L, daemon.config.get_time("connection_cache_ttl_limit"));
    state.settings.fd_timeout = std::chrono::seconds(
        std::max(1L, daemon.config.get_time("connection_cache_protocol_timeout")));
    daemon.max_use = 0;  // the cache lives in this process
  };
  hooks.on_loop = [](event_base* base, mail::Daemon& daemon) {
    const long status_time =
        std::max(1L, daemon.config.get_time("connection_cache_status_update_time"));
    state.status_timer.emplace(base, std::chrono::seconds(status_time), [] {
      state.table->expire(std::time(nullptr));
      log_statistics(*state.table);
    });
    // Time limits are whole seconds: close expired connections every second.
    state.expire_timer.emplace(base, std::chrono::seconds(1),
                               [] { state.table->expire(std::time(nullptr)); });
  };
  hooks.pre_exit = [](mail::Daemon&) {
    if (state.table) log_statistics(*state.table);
  };
  mail::multi_server_main(
      argc, argv, "scache",
      [](util::Stream& client, mail::Daemon&) {
        return serve_request(client, *state.table, state.settings);
      },
      hooks);
}

}  // namespace scache
