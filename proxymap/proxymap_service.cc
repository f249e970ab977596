#include "proxymap/proxymap_service.h"

#include <optional>
#include <string>

#include "libmail/attr.h"
#include "libmail/multi_server.h"
#include "libmail/proxymap_client.h"
#include "libutil/log.h"

namespace proxymap {
namespace {

// Keys and values are short; keep a hostile client from making us buffer much.
mail::AttrLimits request_limits() {
  mail::AttrLimits limits;
  limits.max_value = 1024 * 1024;
  limits.max_count = 20;
  limits.max_depth = 1;
  return limits;
}

mail::AttrList status_reply(mail::ProxyStatus status) {
  mail::AttrList reply;
  reply.add("status", static_cast<int>(status));
  return reply;
}

mail::AttrList handle(const mail::AttrList& request, const std::string& kind, TableAccess& tables) {
  using mail::ProxyStatus;
  auto table = request.get_string("table");
  if (!table) {
    util::msg_warn("request \"" + kind + "\": " + table.error().message);
    return status_reply(ProxyStatus::kBad);
  }
  const std::int64_t flags = request.get_int("flags").value_or(0);
  const bool change = kind == "update" || kind == "delete";
  if (change && !tables.writer()) {
    util::msg_warn("refusing " + *table + " " + kind + " request on non-proxywrite service");
    return status_reply(ProxyStatus::kBad);
  }
  if (!tables.approved(*table)) return status_reply(ProxyStatus::kBad);

  if (kind == "open") {
    auto dict = tables.reader(*table, flags);
    if (!dict) {
      util::msg_warn(dict.error().message);
      return status_reply(ProxyStatus::kRetry);
    }
    return status_reply(ProxyStatus::kOk);
  }
  auto key = request.get_string("key");
  if (!key) {
    util::msg_warn("request \"" + kind + "\": " + key.error().message);
    return status_reply(ProxyStatus::kBad);
  }
  if (kind == "lookup") {
    auto dict = tables.reader(*table, flags);
    if (!dict) {
      util::msg_warn(dict.error().message);
      return status_reply(ProxyStatus::kRetry);
    }
    auto found = (*dict)->lookup(*key);
    if (!found) {
      util::msg_warn(found.error().message);
      return status_reply(ProxyStatus::kRetry);
    }
    if (!*found) return status_reply(ProxyStatus::kNotFound);
    mail::AttrList reply = status_reply(ProxyStatus::kOk);
    reply.add("value", std::move(**found));
    return reply;
  }
  if (kind == "update") {
    auto value = request.get_string("value");
    if (!value) {
      util::msg_warn("request \"update\": " + value.error().message);
      return status_reply(ProxyStatus::kBad);
    }
    auto done = tables.update(*table, flags, *key, *value);
    if (!done) {
      util::msg_warn(done.error().message);
      return status_reply(ProxyStatus::kRetry);
    }
    return status_reply(ProxyStatus::kOk);
  }
  auto removed = tables.remove(*table, flags, *key);
  if (!removed) {
    util::msg_warn(removed.error().message);
    return status_reply(ProxyStatus::kRetry);
  }
  return status_reply(*removed ? ProxyStatus::kOk : ProxyStatus::kNotFound);
}

}  // namespace

bool serve_request(util::Stream& client, TableAccess& tables) {
  auto request = mail::read_attrs(client, request_limits());
  if (!request) {
    if (request.error().kind != util::ErrorKind::kEof) {
      util::msg_warn("read request: " + request.error().message);
    }
    return false;
  }
  auto kind = request->get_string("request");
  mail::AttrList reply;
  if (!kind) {
    util::msg_warn(kind.error().message);
    reply = status_reply(mail::ProxyStatus::kBad);
  } else if (*kind == "open" || *kind == "lookup" || *kind == "update" || *kind == "delete") {
    reply = handle(*request, *kind, tables);
  } else {
    // "sequence" included: Postern's proxy: client never lists a table.
    util::msg_warn("unrecognized request: \"" + *kind + "\", ignored");
    reply = status_reply(mail::ProxyStatus::kBad);
  }
  return static_cast<bool>(mail::write_attrs(client, reply));
}

int run(int argc, char** argv) {
  // Made after the jail: tables are opened on demand, as the mail owner,
  // like Postfix's proxymap (which is not chrooted in the stock master.cf).
  std::optional<TableAccess> tables;
  mail::MultiHooks hooks;
  hooks.post_jail = [&tables](mail::Daemon& daemon) {
    const bool writer = daemon.options.service_name == daemon.config.get("proxywrite_service_name");
    tables.emplace(daemon.config, writer);
  };
  mail::multi_server_main(
      argc, argv, "proxymap",
      [&tables](util::Stream& client, mail::Daemon&) { return serve_request(client, *tables); },
      hooks);
}

}  // namespace proxymap
