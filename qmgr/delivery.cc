// Delivery requests in flight: pick jobs within the concurrency limits,
// connect to private/TRANSPORT, send the request, collect the reply from the
// event loop, and turn each recipient's result into queue-file and
// bounce/defer-log updates.
// Easy to get wrong: an agent that cannot be reached, dies, times out or
// answers garbage leaves its recipients DEFERRED (never bounced); the reply
// may arrive in pieces, so input is collected until it decodes; and every
// recipient of the request gets exactly one outcome even when the agent
// forgot some.
#include <cstring>
#include <set>
#include <string>

#include "libmail/bounce_client.h"
#include "libmail/delivery_log.h"
#include "libmail/service_client.h"
#include "libutil/log.h"
#include "qmgr/qmgr.h"

namespace qmgr {
namespace {

constexpr size_t kMaxReply = 16 * 1024 * 1024;
// Connecting to a local socket is immediate unless the agent's backlog is
// full; do not stall the loop longer than this for it.
constexpr auto kConnectTimeout = std::chrono::seconds(10);

mail::RecipientResult deferred_result(off_t offset, const std::string& dsn, const std::string& text) {
  mail::RecipientResult r;
  r.offset = offset;
  r.status = mail::DeliveryStatus::kDeferred;
  r.dsn = dsn;
  r.action = "delayed";
  r.text = text;
  return r;
}

}  // namespace

void QueueManager::dispatch() {
  double now = mail::now_seconds();
  for (auto& [key, dest] : dests_) {
    while (!dest.todo.empty()) {
      Transport& t = transport(key.first);
      if (t.dead_until > now) {
        Job job = std::move(dest.todo.front());
        dest.todo.pop_front();
        defer_job(job, "4.3.0", t.dead_reason);
        continue;
      }
      if (dest.in_flight >= t.limits.concurrency_limit || t.in_flight >= process_limit_) break;
      Job job = std::move(dest.todo.front());
      dest.todo.pop_front();
      start_delivery(std::move(job));
    }
  }
  std::erase_if(dests_, [](const auto& d) { return d.second.todo.empty() && d.second.in_flight == 0; });
  while (!finished_.empty()) {
    std::string id = *finished_.begin();
    finished_.erase(finished_.begin());
    finish_message(id);
  }
  if (rescan_incoming_ && static_cast<long>(messages_.size()) < active_limit_) {
    scan_incoming();
    if (!rescan_incoming_) dispatch();
  }
}

void QueueManager::start_delivery(Job job) {
  auto mit = messages_.find(job.msg_id);
  if (mit == messages_.end()) return;
  const Message& msg = mit->second;
  mail::DeliveryRequest req = msg.base;
  req.nexthop = job.nexthop;
  for (size_t i : job.rcpts) {
    const Rcpt& r = msg.rcpts[i];
    req.recipients.push_back(
        {r.rec.offset, r.rec.orig, r.address, r.rec.dsn_orig_rcpt, r.rec.notify_flags});
  }
  std::string path = mail::service_path("private", job.transport);
  auto stream = mail::connect_service(path, kConnectTimeout);
  if (!stream) {
    transport_unavailable(job.transport, "connect to transport " + path + ": " +
                                             (stream.error().sys_errno
                                                  ? std::string(std::strerror(stream.error().sys_errno))
                                                  : stream.error().message));
    return defer_job(job, "4.3.0", transport(job.transport).dead_reason);
  }
  stream->set_timeout(ipc_timeout_);
  if (auto w = mail::write_attrs(*stream, mail::delivery_request_attrs(req)); !w) {
    util::msg_warn(job.msg_id + ": send request to " + path + ": " + w.error().message);
    return defer_job(job, "4.3.0", "unknown mail transport error");
  }
  auto d = std::make_unique<Delivery>(std::move(*stream));
  int fd = d->stream.fd();
  auto ev = loop_.on_readable(
      fd,
      [this, fd](util::EventWhat what) {
        if (what.timeout()) return finish_delivery(fd, std::nullopt, "timeout");
        on_agent_input(fd);
      },
      /*persist=*/true, std::chrono::duration_cast<util::Event::Duration>(ipc_timeout_));
  if (!ev) {
    util::msg_warn(job.msg_id + ": " + ev.error().message);
    return defer_job(job, "4.3.0", "unknown mail transport error");
  }
  d->event = std::move(*ev);
  d->start = mail::now_seconds();
  ++dests_[{job.transport, job.nexthop}].in_flight;
  ++transport(job.transport).in_flight;
  d->job = std::move(job);
  deliveries_[fd] = std::move(d);
}

void QueueManager::on_agent_input(int fd) {
  auto it = deliveries_.find(fd);
  if (it == deliveries_.end()) return;
  Delivery& d = *it->second;
  auto chunk = d.stream.read_some(64 * 1024);
  if (!chunk)
    return finish_delivery(fd, std::nullopt,
                           chunk.error().kind == util::ErrorKind::kEof ? "lost connection"
                                                                       : chunk.error().message);
  d.input += *chunk;
  if (d.input.size() > kMaxReply) return finish_delivery(fd, std::nullopt, "reply too long");
  auto attrs = mail::decode_attrs(d.input);
  if (!attrs) {
    // Not all of it yet: wait for more.
    if (attrs.error().message.find("premature end") != std::string::npos) return;
    return finish_delivery(fd, std::nullopt, "malformed reply: " + attrs.error().message);
  }
  auto reply = mail::parse_delivery_reply(*attrs);
  if (!reply) return finish_delivery(fd, std::nullopt, "malformed reply: " + reply.error().message);
  finish_delivery(fd, *reply, "");
}

void QueueManager::finish_delivery(int fd, const std::optional<mail::DeliveryReply>& reply,
                                   const std::string& failure) {
  auto node = deliveries_.extract(fd);
  if (node.empty()) return;
  Job job = std::move(node.mapped()->job);
  // Destroying the Delivery closes the socket and frees the event whose
  // callback we are in (event_loop.h allows that).
  node.mapped().reset();
  if (auto d = dests_.find({job.transport, job.nexthop}); d != dests_.end()) --d->second.in_flight;
  --transport(job.transport).in_flight;

  auto mit = messages_.find(job.msg_id);
  if (mit != messages_.end()) {
    Message& msg = mit->second;
    std::set<size_t> answered;
    if (reply)
      for (const mail::RecipientResult& res : reply->results)
        for (size_t i : job.rcpts)
          if (msg.rcpts[i].rec.offset == res.offset && !answered.contains(i)) {
            answered.insert(i);
            record_result(msg, i, res, false, "");
            break;
          }
    if (!reply) {
      // As Postfix: the agent crashed or broke the protocol, so the
      // transport rests for transport_retry_time (a flush ends that).
      util::msg_warn(job.msg_id + ": delivery agent " + mail::service_path("private", job.transport) +
                     ": " + failure);
      util::msg_warn("transport " + job.transport +
                     " failure -- see a previous warning/fatal/panic logfile record for the problem "
                     "description");
      Transport& t = transport(job.transport);
      t.dead_until = mail::now_seconds() + static_cast<double>(transport_retry_);
      t.dead_reason = "unknown mail transport error";
    } else if (answered.size() < job.rcpts.size()) {
      util::msg_warn(job.msg_id + ": delivery agent " + mail::service_path("private", job.transport) +
                     ": no result for some recipients");
    }
    if (answered.size() < job.rcpts.size()) {
      for (size_t i : job.rcpts)
        if (!answered.contains(i))
          record_result(msg, i, deferred_result(msg.rcpts[i].rec.offset, "4.3.0",
                                                "unknown mail transport error"),
                        true, "none");
    }
    job_done(job.msg_id);
  }
  dispatch();
}

void QueueManager::transport_unavailable(const std::string& name, const std::string& why) {
  Transport& t = transport(name);
  if (t.dead_until <= mail::now_seconds()) util::msg_warn(why);
  t.dead_until = mail::now_seconds() + static_cast<double>(transport_retry_);
  t.dead_reason = "mail transport unavailable";
}

void QueueManager::defer_job(const Job& job, const std::string& dsn, const std::string& reason) {
  auto mit = messages_.find(job.msg_id);
  if (mit == messages_.end()) return;
  for (size_t i : job.rcpts)
    record_result(mit->second, i, deferred_result(mit->second.rcpts[i].rec.offset, dsn, reason), true,
                  "none");
  job_done(job.msg_id);
}

mail::BounceLogEntry QueueManager::log_entry(const Rcpt& r, const mail::RecipientResult& res) const {
  mail::BounceLogEntry e;
  e.recipient = r.rec.address;
  e.orig_rcpt = r.rec.orig;
  e.offset = r.rec.offset;
  e.dsn_orig_rcpt = r.rec.dsn_orig_rcpt;
  e.notify_flags = r.rec.notify_flags;
  e.status = res.dsn;
  e.action = !res.action.empty() ? res.action
             : res.status == mail::DeliveryStatus::kBounced ? "failed"
                                                             : "delayed";
  e.reason = res.text;
  e.diag_type = res.diag_type;
  e.diag_text = res.diag_text;
  e.mta_type = res.mta_type;
  e.mta_mname = res.mta_mname;
  return e;
}

void QueueManager::record_result(Message& msg, size_t index, const mail::RecipientResult& res,
                                 bool log_it, const std::string& relay) {
  Rcpt& r = msg.rcpts[index];
  if (log_it) {
    double now = mail::now_seconds();
    mail::DeliveryTimes times{msg.arrival, msg.active_time, now, now, now};
    util::msg_info(mail::format_delivery_log(msg.id, r.rec.address, r.rec.orig, relay, times, res));
  }
  bool mark = false;
  switch (res.status) {
    case mail::DeliveryStatus::kSent:
      mark = true;
      break;
    case mail::DeliveryStatus::kBounced:
      // The bounce log must hold the recipient before it is marked done.
      if (auto a = mail::bounce_append(mail::service_path("private", "bounce"), msg.id,
                                       log_entry(r, res), ipc_timeout_);
          a) {
        mark = true;
      } else {
        util::msg_warn(msg.id + ": bounce service: " + a.error().message);
        r.deferred = true;
        r.dsn = "4.3.0";
        r.reason = "bounce or trace service failure";
      }
      break;
    case mail::DeliveryStatus::kDeferred:
      if (auto a = mail::bounce_append(mail::service_path("private", "defer"), msg.id,
                                       log_entry(r, res), ipc_timeout_);
          !a)
        util::msg_warn(msg.id + ": defer service: " + a.error().message);
      r.deferred = true;
      r.dsn = res.dsn;
      r.reason = res.text;
      break;
  }
  if (!mark) return;
  if (auto m = mail::mark_recipient_done(msg.path, r.rec.offset); !m) {
    util::msg_warn(msg.id + ": update queue file " + msg.path + ": " + m.error().message);
    r.deferred = true;
    return;
  }
  r.done = true;
  r.deferred = false;
}

void QueueManager::job_done(const std::string& msg_id) {
  auto mit = messages_.find(msg_id);
  if (mit == messages_.end()) return;
  if (--mit->second.jobs_pending <= 0) finished_.insert(msg_id);
}

}  // namespace qmgr
