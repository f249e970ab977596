// The queue manager's decisions that need no I/O: what a trigger asks for,
// how long a deferred message waits, when it expires, and how a message's
// recipients are cut into delivery requests per (transport, nexthop).
// Used by qmgr/ (the daemon) and its unit tests.
// Easy to get wrong: the retry delay grows with the message's AGE (time
// since it was queued), clamped to [minimal_backoff_time,
// maximal_backoff_time], as Postfix does: that doubles the interval between
// attempts without storing an attempt count. A null sender expires after
// bounce_queue_lifetime, everything else after maximal_queue_lifetime.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace conf {
class Config;
}

namespace mail {

// Trigger bytes (processes.md §3): A and I scan incoming/, D scans
// deferred/ for due files, F flushes: every deferred file, due or not, and
// forgets which transports were unreachable. W only wakes us up.
struct QmgrTrigger {
  bool scan_incoming = false;
  bool scan_deferred = false;
  bool flush = false;
};
QmgrTrigger parse_qmgr_trigger(std::string_view request);

// Seconds until the next attempt for a message created at `create_time`.
long qmgr_backoff_delay(long now, long create_time, long minimal_backoff, long maximal_backoff);

struct QmgrLifetimes {
  long maximal_queue_lifetime = 5 * 86400;
  long bounce_queue_lifetime = 5 * 86400;
};
bool qmgr_message_expired(long now, long create_time, bool null_sender, const QmgrLifetimes& limits);

// Per-transport limits: `<transport>_destination_recipient_limit` and
// `<transport>_destination_concurrency_limit` when main.cf (or the built-in
// table, for local) has them, else the default_destination_* values.
struct TransportLimits {
  long recipient_limit = 50;
  long concurrency_limit = 20;
};
TransportLimits qmgr_transport_limits(const conf::Config& config, std::string_view transport);

// One recipient's route, for grouping.
struct QmgrRoute {
  std::string transport;
  std::string nexthop;
};
// Indices into `routes` grouped per (transport, nexthop) in first-seen
// order, each group cut into batches of at most `limit_of(transport)`
// recipients (a limit below 1 counts as 1).
struct QmgrBatch {
  std::string transport;
  std::string nexthop;
  std::vector<size_t> recipients;
};
std::vector<QmgrBatch> qmgr_group_recipients(
    const std::vector<QmgrRoute>& routes, const std::function<long(const std::string&)>& limit_of);

}  // namespace mail
