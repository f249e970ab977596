#include "cleanup/cleanup_bounce.h"

#include <chrono>
#include <cstdlib>

#include "libmail/bounce_client.h"
#include "libmail/cleanup_client.h"
#include "libmail/delivery_log.h"
#include "libmail/queue_file.h"
#include "libutil/log.h"

namespace cleanup {

namespace {

// "5.7.1 go away" -> {"5.7.1", "go away"}; no code: the status's own.
std::pair<std::string, std::string> split_reason(const std::string& reason, int status) {
  auto detail = mail::cleanup_status_detail(status);
  if (reason.size() > 6 && (reason[0] == '4' || reason[0] == '5') && reason[1] == '.') {
    auto sp = reason.find(' ');
    if (sp != std::string::npos) return {reason.substr(0, sp), reason.substr(sp + 1)};
  }
  return {detail.dsn, reason.empty() ? detail.text : reason};
}

}  // namespace

bool bounce_rejected(NewQueueFile& file, const mail::CleanupOutcome& outcome,
                     const std::string& bounce_path) {
  const std::string& id = file.queue_id();
  constexpr auto kTimeout = std::chrono::seconds(60);
  auto failed = [&] {
    util::msg_warn(id + ": bounce message failure");
    return false;
  };
  std::string bytes = mail::build_queue_file(outcome.message);
  if (auto w = file.write_incomplete(bytes); !w) {
    util::msg_warn(id + ": " + w.error().message);
    return failed();
  }
  auto parsed = mail::parse_queue_file(bytes);
  if (!parsed) return failed();
  auto [dsn, text] = split_reason(outcome.reason, outcome.status);
  mail::DeliveryTimes times;
  times.arrival = static_cast<double>(outcome.message.arrival_seconds) +
                  static_cast<double>(outcome.message.arrival_usec) / 1e6;
  times.active = times.agent_start = times.connected = times.done = mail::now_seconds();
  for (const auto& r : parsed->recipients()) {
    mail::BounceLogEntry e;
    e.recipient = r.address;
    e.orig_rcpt = r.orig;
    e.offset = r.offset;
    e.dsn_orig_rcpt = r.dsn_orig_rcpt;
    e.notify_flags = r.notify_flags;
    e.status = dsn;
    e.action = "failed";
    e.reason = text;
    if (auto a = mail::bounce_append(bounce_path, id, e, kTimeout); !a) {
      util::msg_warn(id + ": " + a.error().message);
      return failed();
    }
    mail::RecipientResult result;
    result.offset = r.offset;
    result.status = mail::DeliveryStatus::kBounced;
    result.dsn = dsn;
    result.action = "failed";
    result.text = text;
    util::msg_info(mail::format_delivery_log(id, r.address, r.orig, "none", times, result));
  }
  mail::NoticeRequest n;
  n.queue_name = "incoming";
  n.queue_id = id;
  n.sender = outcome.message.sender;
  for (const auto& [name, value] : parsed->attributes()) {
    if (name == "encoding") n.encoding = value;
    if (name == "envelope_id") n.dsn_envid = value;
    if (name == "ret_flags") n.dsn_ret = std::atoi(value.c_str());
  }
  if (auto f = mail::bounce_flush(bounce_path, n, kTimeout); !f) {
    util::msg_warn(id + ": " + f.error().message);
    return failed();
  }
  file.remove();
  return true;
}

}  // namespace cleanup
