// postsuper's per-message operations: -d (delete, with the message's defer,
// bounce and trace logs), -e/-f (force expiry: the group-execute bit, which
// qmgr reads as "return to sender now"; -f also releases from hold), -h
// (move to hold/), -H (move from hold/ to deferred/), -r (move to maildrop/
// with fresh time stamps, for pickup to run it through cleanup again). Each
// prints and logs "ID: removed" etc. unless the ID came from ALL, and counts.
// Used by main.cc. Every change is one rename(), unlink() or chmod() of the
// file: atomic, so no lock is taken (nor does Postfix); a message that qmgr
// has open in active/ keeps being delivered from the open file, and qmgr
// notices it is gone when it tries to update or remove it.
// Easy to get wrong: a missing file is not an error (the message may have
// been delivered meanwhile; the count just does not grow), and the ID is
// looked for in each queue of the list in turn, stopping where it is found.
#pragma once

#include <string>
#include <vector>

#include "tools/postsuper/queue_layout.h"

namespace postsuper {

enum class Action { kDelete, kExpire, kExpireRelease, kHold, kRelease, kRequeue };

// Postfix's default queues for each action.
std::vector<std::string> default_queues(Action action);

struct Tally {
  long deleted = 0;
  long expired = 0;
  long held = 0;
  long released = 0;
  long requeued = 0;
};

class MessageOps {
 public:
  explicit MessageOps(Layout layout) : layout_(std::move(layout)) {}

  // One named ID (already checked with queue_id_ok).
  void apply(Action action, const std::string& id, const std::vector<std::string>& queues);
  // Every message file in `queues` (ALL): no per-message lines.
  void apply_all(Action action, const std::vector<std::string>& queues);

  const Tally& tally() const { return tally_; }

 private:
  enum class Result { kDone, kMissing, kFailed };
  Result act(Action action, const std::string& queue, const std::string& id,
             const std::string& path, bool quiet);
  Result remove(const std::string& id, const std::string& path, bool quiet);
  Result move(const std::string& id, const std::string& path, const std::string& to,
              const char* what, long* count, bool quiet);
  Result expire(const std::string& id, const std::string& path, bool quiet);
  void remove_logs(const std::string& id, bool with_trace);

  Layout layout_;
  Tally tally_;
};

}  // namespace postsuper
