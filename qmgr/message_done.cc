// The end of a message's pass through the active queue: expiry, the
// non-delivery notice, removal with "ID: removed", or deferral to
// deferred/H/ID with the next retry time as atime and mtime (queue.md §3),
// and the one-time delay warning.
// Easy to get wrong: the queue file goes away only after the bounce service
// accepted the flush; if it did not, the message is deferred with every
// recipient done, and the next pass only retries the flush.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "libmail/bounce_client.h"
#include "libmail/delivery_log.h"
#include "libmail/record.h"
#include "libmail/service_client.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "qmgr/qmgr.h"

namespace qmgr {
namespace {

bool any_left(const Message& msg) {
  for (const Rcpt& r : msg.rcpts)
    if (!r.done) return true;
  return false;
}

// mkdir -p for the hash levels of `path`'s directory.
void make_parents(const std::string& path) {
  for (size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1)) {
    std::string dir = path.substr(0, at);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      util::msg_warn("mkdir " + dir + ": " + std::strerror(errno));
  }
}

// Overwrite the W record's time with 0 in place: the warning went out.
void clear_warning(const Message& msg) {
  util::Fd fd(util::os::open(msg.path.c_str(), O_WRONLY));
  if (!fd) {
    util::msg_warn(msg.id + ": open " + msg.path + ": " + std::strerror(errno));
    return;
  }
  char payload[16];
  std::snprintf(payload, sizeof payload, "%15ld", 0L);
  // A 15-byte payload has a one-byte length: the payload starts 2 bytes in.
  off_t at = msg.warn_offset + static_cast<off_t>(mail::record_size(15) - 15);
  if (::pwrite(fd.get(), payload, 15, at) != 15 || util::os::fsync(fd.get()) != 0)
    util::msg_warn(msg.id + ": update " + msg.path + ": " + std::strerror(errno));
}

}  // namespace

mail::NoticeRequest QueueManager::notice(const Message& msg) const {
  mail::NoticeRequest n;
  n.flags = msg.base.flags;
  n.queue_name = "active";
  n.queue_id = msg.id;
  n.encoding = msg.base.encoding;
  n.smtputf8 = msg.base.smtputf8;
  n.sender = msg.sender;
  n.dsn_envid = msg.base.dsn_envid;
  n.dsn_ret = msg.base.dsn_ret;
  return n;
}

bool QueueManager::expire_message(Message& msg) {
  long now = static_cast<long>(mail::now_seconds());
  if (!mail::qmgr_message_expired(now, msg.create_time, msg.sender.empty(), lifetimes_)) return false;
  util::msg_info(msg.id + ": from=<" + msg.sender + ">, status=expired, returned to sender");
  for (size_t i = 0; i < msg.rcpts.size(); ++i) {
    Rcpt& r = msg.rcpts[i];
    if (r.done) continue;
    mail::RecipientResult res;
    res.offset = r.rec.offset;
    res.status = mail::DeliveryStatus::kBounced;
    // The notice keeps the temporary status of the last attempt, as
    // Postfix's does for expired mail.
    res.dsn = r.dsn.empty() ? "4.7.0" : r.dsn;
    res.action = "failed";
    res.text = r.reason.empty() ? "message expired" : r.reason;
    record_result(msg, i, res, false, "");
  }
  return true;
}

void QueueManager::finish_message(const std::string& id) {
  auto it = messages_.find(id);
  if (it == messages_.end()) return;
  Message& msg = it->second;
  double now = mail::now_seconds();
  bool keep = any_left(msg);
  if (keep && expire_message(msg)) keep = any_left(msg);
  if (::access(hashed("bounce", id).c_str(), F_OK) == 0) {
    auto flushed = mail::bounce_flush(mail::service_path("private", "bounce"), notice(msg), ipc_timeout_);
    if (!flushed) {
      util::msg_warn(id + ": bounce service: " + flushed.error().message);
      keep = true;
    }
  }
  if (keep) {
    defer_message(msg, now);
  } else {
    if (util::os::unlink(msg.path.c_str()) != 0 && errno != ENOENT)
      util::msg_warn("remove " + msg.path + ": " + std::strerror(errno));
    std::string defer_log = hashed("defer", id);
    if (util::os::unlink(defer_log.c_str()) != 0 && errno != ENOENT)
      util::msg_warn("remove " + defer_log + ": " + std::strerror(errno));
    util::msg_info(id + ": removed");
  }
  messages_.erase(it);
}

void QueueManager::defer_message(Message& msg, double now) {
  if (msg.warn_time > 0 && now >= static_cast<double>(msg.warn_time) && msg.warn_offset >= 0) {
    auto warned = mail::bounce_warn(mail::service_path("private", "defer"), notice(msg), ipc_timeout_);
    if (warned) clear_warning(msg);
    else util::msg_warn(msg.id + ": defer service: " + warned.error().message);
  }
  long delay = mail::qmgr_backoff_delay(static_cast<long>(now), msg.create_time, min_backoff_, max_backoff_);
  std::string to = hashed("deferred", msg.id);
  make_parents(to);
  if (util::os::rename(msg.path.c_str(), to.c_str()) != 0) {
    // It stays in active/ and comes back at the next start.
    util::msg_warn("move " + msg.path + " to " + to + ": " + std::strerror(errno));
    return;
  }
  // atime and mtime both hold the next retry time (queue.md §3).
  timeval times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(now) + delay;
  times[0].tv_usec = times[1].tv_usec = 0;
  if (::utimes(to.c_str(), times) != 0) util::msg_warn("utime " + to + ": " + std::strerror(errno));
}

}  // namespace qmgr
