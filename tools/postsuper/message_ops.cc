#include "tools/postsuper/message_ops.h"

#include <sys/stat.h>
#include <utime.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "libmail/queue_id.h"
#include "libutil/log.h"
#include "libutil/os.h"

namespace postsuper {

std::vector<std::string> default_queues(Action action) {
  switch (action) {
    case Action::kDelete:
      // Observed: Postfix 3.7 also deletes by ID and ALL from maildrop/.
      return {"hold", "incoming", "active", "deferred", "maildrop"};
    case Action::kHold: return {"incoming", "active", "deferred"};
    case Action::kRelease: return {"hold"};
    case Action::kExpire:
    case Action::kExpireRelease:
    case Action::kRequeue: return {"hold", "incoming", "active", "deferred"};
  }
  return {};
}

void MessageOps::remove_logs(const std::string& id, bool with_trace) {
  std::vector<std::string> logs = {"defer", "bounce"};
  // Observed: -d ALL leaves trace logs behind, -d ID does not.
  if (with_trace) logs.push_back("trace");
  for (const auto& queue : logs) {
    std::string path = layout_.path(queue, id);
    if (util::os::unlink(path.c_str()) < 0 && errno != ENOENT)
      util::msg_warn("remove file " + path + ": " + std::strerror(errno));
  }
}

MessageOps::Result MessageOps::remove(const std::string& id, const std::string& path,
                                      bool quiet) {
  if (util::os::unlink(path.c_str()) < 0) {
    if (errno == ENOENT) return Result::kMissing;
    util::msg_warn("remove file " + path + ": " + std::strerror(errno));
    return Result::kFailed;
  }
  if (!quiet) util::msg_info(id + ": removed");
  remove_logs(id, !quiet);
  ++tally_.deleted;
  return Result::kDone;
}

MessageOps::Result MessageOps::move(const std::string& id, const std::string& path,
                                    const std::string& to, const char* what, long* count,
                                    bool quiet) {
  if (path == to) return Result::kMissing;
  if (!move_file(path, to)) {
    if (errno == ENOENT) return Result::kMissing;
    util::msg_warn("rename file " + path + " as " + to + ": " + std::strerror(errno));
    return Result::kFailed;
  }
  if (!quiet) util::msg_info(id + ": " + what);
  ++*count;
  return Result::kDone;
}

MessageOps::Result MessageOps::expire(const std::string& id, const std::string& path, bool quiet) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return Result::kMissing;
    util::msg_warn("expire file " + path + ": " + std::strerror(errno));
    return Result::kFailed;
  }
  if (st.st_mode & S_IXGRP) return Result::kDone;  // expired before: not counted again
  if (::chmod(path.c_str(), (st.st_mode & 07777) | S_IXGRP) < 0) {
    if (errno == ENOENT) return Result::kMissing;
    util::msg_warn("expire file " + path + ": cannot set permission: " + std::strerror(errno));
    return Result::kFailed;
  }
  if (!quiet) util::msg_info(id + ": expired");
  ++tally_.expired;
  return Result::kDone;
}

MessageOps::Result MessageOps::act(Action action, const std::string& queue, const std::string& id,
                                   const std::string& path, bool quiet) {
  switch (action) {
    case Action::kDelete: return remove(id, path, quiet);
    case Action::kHold:
      if (queue == "hold") return Result::kMissing;
      return move(id, path, layout_.path("hold", id), "placed on hold", &tally_.held, quiet);
    case Action::kRelease:
      if (queue != "hold") return Result::kMissing;
      return move(id, path, layout_.path("deferred", id), "released from hold", &tally_.released,
                  quiet);
    case Action::kExpire: return expire(id, path, quiet);
    case Action::kExpireRelease: {
      Result r = expire(id, path, quiet);
      if (r != Result::kDone || queue != "hold") return r;
      return move(id, path, layout_.path("deferred", id), "released from hold", &tally_.released,
                  quiet);
    }
    case Action::kRequeue: {
      if (queue == "maildrop") return Result::kMissing;
      std::string to = layout_.path("maildrop", id);
      Result r = move(id, path, to, "requeued", &tally_.requeued, quiet);
      if (r == Result::kDone) {
        // pickup dates its Received: header by the file's mtime.
        std::time_t now = std::time(nullptr);
        struct utimbuf times {now, now};
        if (::utime(to.c_str(), &times) < 0)
          util::msg_warn(id + ": reset time stamps: " + std::strerror(errno));
      }
      return r;
    }
  }
  return Result::kMissing;
}

void MessageOps::apply(Action action, const std::string& id,
                       const std::vector<std::string>& queues) {
  for (const auto& queue : queues) {
    if (act(action, queue, id, layout_.path(queue, id), false) != Result::kMissing) return;
  }
}

void MessageOps::apply_all(Action action, const std::vector<std::string>& queues) {
  for (const auto& queue : queues) {
    for (const auto& entry : walk_queue(queue)) {
      if (!mail::queue_id_ok(entry.name)) continue;
      act(action, queue, entry.name, entry.path, true);
    }
  }
}

}  // namespace postsuper
