// The delivery agents' log line (logging.md §2.4) and Postfix's delay
// formatting. Used by local, discard, error, smtp and by qmgr for mail it
// defers or bounces itself (missing transport, expired message).
// Implementation: libmail/delivery_log.cc (owned with qmgr).
//   "ID: to=<RCPT>, [orig_to=<ORIG>, ]relay=RELAY, delay=D,
//    delays=a/b/c/d, dsn=X.Y.Z, status=STATUS (TEXT)"
// Easy to get wrong: orig_to appears only when it differs from to; delay
// values use 2 decimals under 1 s, 1 decimal under 10 s, whole seconds
// above, with trailing zeros dropped ("0", "0.05", "1.1", "3", "18").
#pragma once

#include <string>
#include <string_view>

#include "libmail/delivery_request.h"

namespace mail {

std::string format_delay(double seconds);

// The four delays plus the total, from the timeline of one delivery.
struct DeliveryTimes {
  double arrival = 0;       // message arrival (request.arrival_time)
  double active = 0;        // entered the active queue (request.active_time)
  double agent_start = 0;   // the agent received the request
  double connected = 0;     // connection set up (= agent_start for local)
  double done = 0;          // delivery finished
};
// "delay=D, delays=a/b/c/d"
std::string format_delays(const DeliveryTimes& times);

// "sent", "deferred", "bounced".
std::string_view delivery_status_name(DeliveryStatus status);

// Full line text after "postfix/AGENT[PID]: " for one recipient; `to` and
// `orig_to` may differ from the request's (alias expansion).
std::string format_delivery_log(std::string_view queue_id, std::string_view to,
                                std::string_view orig_to, std::string_view relay,
                                const DeliveryTimes& times, const RecipientResult& result);

// Wall clock with microseconds, as the times above use.
double now_seconds();

// Log one recipient's result for an agent that has no connection phase
// (local, pipe, virtual): the times run from `agent_start` to now.
void log_delivery(const DeliveryRequest& request, std::string_view to, std::string_view orig_to,
                  std::string_view relay, double agent_start, const RecipientResult& result);

}  // namespace mail
