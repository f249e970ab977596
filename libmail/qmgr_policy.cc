// The queue manager's pure decisions (qmgr_policy.h).
#include "libmail/qmgr_policy.h"

#include <algorithm>
#include <map>
#include <utility>

#include "libconf/config.h"

namespace mail {

QmgrTrigger parse_qmgr_trigger(std::string_view request) {
  QmgrTrigger t;
  for (char c : request) {
    switch (c) {
      case 'A':
      case 'I': t.scan_incoming = true; break;
      case 'D': t.scan_deferred = true; break;
      case 'F': t.flush = true; t.scan_deferred = true; break;
      default: break;  // W, the NUL and anything unknown: just a wake-up
    }
  }
  return t;
}

long qmgr_backoff_delay(long now, long create_time, long minimal_backoff, long maximal_backoff) {
  long age = create_time > 0 && now > create_time ? now - create_time : 0;
  // maximal wins when the two are misconfigured the wrong way round.
  return std::max(std::min(age, maximal_backoff), std::min(minimal_backoff, maximal_backoff));
}

bool qmgr_message_expired(long now, long create_time, bool null_sender, const QmgrLifetimes& limits) {
  long lifetime = null_sender ? limits.bounce_queue_lifetime : limits.maximal_queue_lifetime;
  return create_time > 0 && now >= create_time + lifetime;
}

namespace {

long transport_param(const conf::Config& config, std::string_view transport, std::string_view suffix,
                     std::string_view fallback) {
  std::string name = std::string(transport) + std::string(suffix);
  if (config.raw(name)) {
    auto v = config.try_get_int(name);
    if (v) return *v;
  }
  return config.get_int(fallback);
}

}  // namespace

TransportLimits qmgr_transport_limits(const conf::Config& config, std::string_view transport) {
  TransportLimits l;
  l.recipient_limit = transport_param(config, transport, "_destination_recipient_limit",
                                      "default_destination_recipient_limit");
  l.concurrency_limit = transport_param(config, transport, "_destination_concurrency_limit",
                                        "default_destination_concurrency_limit");
  if (l.recipient_limit < 1) l.recipient_limit = 1;
  if (l.concurrency_limit < 1) l.concurrency_limit = 1;
  return l;
}

std::vector<QmgrBatch> qmgr_group_recipients(
    const std::vector<QmgrRoute>& routes, const std::function<long(const std::string&)>& limit_of) {
  std::vector<QmgrBatch> out;
  // (transport, nexthop) -> index in `out` of the batch still being filled.
  std::map<std::pair<std::string, std::string>, size_t> open;
  std::map<std::string, long> limits;
  for (size_t i = 0; i < routes.size(); ++i) {
    const QmgrRoute& r = routes[i];
    auto lim = limits.find(r.transport);
    if (lim == limits.end()) lim = limits.emplace(r.transport, std::max(1L, limit_of(r.transport))).first;
    auto key = std::make_pair(r.transport, r.nexthop);
    auto it = open.find(key);
    if (it == open.end() || out[it->second].recipients.size() >= static_cast<size_t>(lim->second)) {
      out.push_back(QmgrBatch{r.transport, r.nexthop, {}});
      open[key] = out.size() - 1;
      it = open.find(key);
    }
    out[it->second].recipients.push_back(i);
  }
  return out;
}

}  // namespace mail
