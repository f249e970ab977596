// The delivery agents' per-recipient log line and its delay formatting
// (delivery_log.h, logging.md §2.4).
// Delays are computed in whole microseconds and truncated, not rounded, to
// the shown precision: 0.009 s prints "0" and 9.96 s prints "9.9", never
// "10.0" (which would break the "whole seconds from 10 up" rule).
#include "libmail/delivery_log.h"

#include <strings.h>
#include <sys/time.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "libutil/log.h"

namespace mail {
namespace {

std::int64_t usec_of(double seconds) {
  if (!(seconds > 0)) return 0;  // clock steps and NaN show as 0
  return static_cast<std::int64_t>(std::floor(seconds * 1e6 + 0.5));
}

std::string format_usec(std::int64_t usec) {
  std::int64_t sec = usec / 1000000;
  std::int64_t frac = usec % 1000000;
  char buf[64];
  if (sec >= 10) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(sec));
    return buf;
  }
  if (sec >= 1)
    std::snprintf(buf, sizeof buf, "%lld.%01lld", static_cast<long long>(sec),
                  static_cast<long long>(frac / 100000));
  else
    std::snprintf(buf, sizeof buf, "0.%02lld", static_cast<long long>(frac / 10000));
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::string format_delay(double seconds) { return format_usec(usec_of(seconds)); }

std::string format_delays(const DeliveryTimes& t) {
  // Each stage from its own two instants, as Postfix does; a stage that
  // did not happen (connected == 0) counts as taking no time.
  double connected = t.connected > 0 ? t.connected : t.agent_start;
  return "delay=" + format_delay(t.done - t.arrival) +
         ", delays=" + format_delay(t.active - t.arrival) + "/" +
         format_delay(t.agent_start - t.active) + "/" + format_delay(connected - t.agent_start) +
         "/" + format_delay(t.done - connected);
}

std::string_view delivery_status_name(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kSent:
      return "sent";
    case DeliveryStatus::kBounced:
      return "bounced";
    case DeliveryStatus::kDeferred:
      break;
  }
  return "deferred";
}

std::string format_delivery_log(std::string_view queue_id, std::string_view to,
                                std::string_view orig_to, std::string_view relay,
                                const DeliveryTimes& times, const RecipientResult& result) {
  std::string line(queue_id);
  line += ": to=<";
  line += to;
  line += ">, ";
  // Postfix leaves orig_to out when it equals to, ignoring case.
  std::string to_s(to), orig_s(orig_to);
  if (!orig_to.empty() &&
      (to.size() != orig_to.size() || ::strcasecmp(to_s.c_str(), orig_s.c_str()) != 0)) {
    line += "orig_to=<";
    line += orig_to;
    line += ">, ";
  }
  line += "relay=";
  line += relay;
  line += ", ";
  line += format_delays(times);
  line += ", dsn=";
  line += result.dsn;
  line += ", status=";
  line += delivery_status_name(result.status);
  line += " (";
  line += result.text;
  line += ")";
  return line;
}

double now_seconds() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

void log_delivery(const DeliveryRequest& request, std::string_view to, std::string_view orig_to,
                  std::string_view relay, double agent_start, const RecipientResult& result) {
  DeliveryTimes t;
  t.arrival = request.arrival_time;
  t.active = request.active_time;
  t.agent_start = t.connected = agent_start;
  t.done = now_seconds();
  util::msg_info(format_delivery_log(request.queue_id, to, orig_to, relay, t, result));
}

}  // namespace mail
