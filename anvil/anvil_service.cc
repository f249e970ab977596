#include "anvil/anvil_service.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "libmail/anvil_client.h"
#include "libmail/multi_server.h"
#include "libutil/log.h"

namespace anvil {
namespace {

// Requests are a name and an ident; keep a hostile client from making us
// buffer much.
mail::AttrLimits request_limits() {
  mail::AttrLimits limits;
  limits.max_value = 1024;
  limits.max_count = 8;
  limits.max_depth = 1;
  return limits;
}

mail::AttrList status_reply(std::int64_t status) {
  mail::AttrList reply;
  reply.add("status", status);
  return reply;
}

mail::AttrList rate_reply(std::optional<int> rate) {
  if (!rate) return status_reply(mail::kAnvilStatusFail);
  mail::AttrList reply = status_reply(mail::kAnvilStatusOk);
  reply.add("rate", *rate);
  return reply;
}

void log_statistics(AnvilTable& table) {
  for (const std::string& line : table.statistics()) util::msg_info(line);
}

// What the loop callbacks need; lives for the whole process.
struct State {
  std::optional<AnvilTable> table;
  std::optional<mail::PeriodicTimer> status_timer, expire_timer;
};

}  // namespace

ClientId client_id(const util::Stream& client) {
  return static_cast<ClientId>(reinterpret_cast<std::uintptr_t>(&client));
}

mail::AttrList handle_request(AnvilTable& table, ClientId client, const mail::AttrList& request,
                              std::time_t now) {
  auto kind = request.get_string("request");
  auto ident = request.get_string("ident");
  if (!kind || !ident || ident->empty()) {
    util::msg_warn("malformed request: " + (!kind    ? kind.error().message
                                            : !ident ? ident.error().message
                                                     : std::string("empty ident")));
    return status_reply(mail::kAnvilStatusFail);
  }
  if (*kind == "connect") {
    auto c = table.connect(client, *ident, now);
    if (!c) {
      util::msg_warn("table full (" + std::to_string(table.size()) + " clients): not counting " +
                     *ident);
      return status_reply(mail::kAnvilStatusFail);
    }
    mail::AttrList reply = status_reply(mail::kAnvilStatusOk);
    reply.add("count", c->count);
    reply.add("rate", c->rate);
    return reply;
  }
  if (*kind == "disconnect") {
    table.disconnect(client, *ident, now);
    return status_reply(mail::kAnvilStatusOk);
  }
  if (*kind == "message") return rate_reply(table.event(AnvilTable::Event::kMessage, *ident, now));
  if (*kind == "recipient")
    return rate_reply(table.event(AnvilTable::Event::kRecipient, *ident, now));
  if (*kind == "newtls") return rate_reply(table.event(AnvilTable::Event::kNewTls, *ident, now));
  if (*kind == "auth") return rate_reply(table.event(AnvilTable::Event::kAuth, *ident, now));
  if (*kind == "newtls_report") return rate_reply(table.newtls_report(*ident, now));
  if (*kind == "lookup") {
    Counters c = table.lookup(*ident, now);
    mail::AttrList reply = status_reply(mail::kAnvilStatusOk);
    reply.add("count", c.count);
    reply.add("rate", c.rate);
    reply.add("message_rate", c.message);
    reply.add("recipient_rate", c.recipient);
    reply.add("newtls_rate", c.newtls);
    reply.add("auth_rate", c.auth);
    return reply;
  }
  util::msg_warn("unrecognized request: \"" + *kind + "\", ignored");
  return status_reply(mail::kAnvilStatusFail);
}

bool serve_request(util::Stream& client, AnvilTable& table) {
  auto request = mail::read_attrs(client, request_limits());
  if (!request) {
    if (request.error().kind != util::ErrorKind::kEof)
      util::msg_warn("read request: " + request.error().message);
    return false;
  }
  mail::AttrList reply = handle_request(table, client_id(client), *request, std::time(nullptr));
  return static_cast<bool>(mail::write_attrs(client, reply));
}

int run(int argc, char** argv) {
  static State state;
  mail::MultiHooks hooks;
  hooks.post_jail = [](mail::Daemon& daemon) {
    const long unit = daemon.config.get_time("anvil_rate_time_unit");
    state.table.emplace(unit, kMaxIdents);
    // Counts live in this process: do not exit on max_use, nor before a
    // whole time unit has passed without clients.
    daemon.max_use = 0;
    if (daemon.max_idle.count() < unit) daemon.max_idle = std::chrono::seconds(unit);
  };
  hooks.on_loop = [](event_base* base, mail::Daemon& daemon) {
    const long status_time = std::max(1L, daemon.config.get_time("anvil_status_update_time"));
    state.status_timer.emplace(base, std::chrono::seconds(status_time), [] {
      state.table->expire(std::time(nullptr));
      log_statistics(*state.table);
    });
    state.expire_timer.emplace(base, std::chrono::seconds(std::max(1L, state.table->time_unit())),
                               [] { state.table->expire(std::time(nullptr)); });
  };
  hooks.on_disconnect = [](util::Stream& client, mail::Daemon&) {
    state.table->client_gone(client_id(client), std::time(nullptr));
  };
  hooks.pre_exit = [](mail::Daemon&) {
    if (state.table) log_statistics(*state.table);
  };
  mail::multi_server_main(
      argc, argv, "anvil",
      [](util::Stream& client, mail::Daemon&) { return serve_request(client, *state.table); },
      hooks);
}

}  // namespace anvil
