// The per-destination fast-flush logs in $queue_directory/flush/ and what
// "send" means for a queue file. A log is named after the site in lower
// case with '.' as '_' (flush/example_org, queue.md §1.4) and holds one
// queue ID per line, appended each time mail for the site is deferred
// (duplicates allowed). Sending a message moves deferred/H/ID to
// incoming/ID with its time set to now, so the next incoming scan of qmgr
// delivers it at once whatever its retry time.
// Users: flush_service.cc only. Paths are relative to the queue directory
// (the daemon's working directory).
// Easy to get wrong: the log is locked (fcntl, exclusive) while it is read
// and truncated, so an `add` racing a `send` is not lost; and only files in
// `deferred` move: one in active is being delivered right now.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace fast_flush {

struct Layout {
  std::vector<std::string> hash_queue_names;
  int hash_queue_depth = 1;
};

// "flush/example_org" (hashed if "flush" is in hash_queue_names); nullopt
// for a name that cannot be a site (empty, '/', control characters...).
std::optional<std::string> site_log_path(const Layout& layout, std::string_view site);

// Append "ID\n" to the site's log, creating it (0600).
util::Result<void> append_to_log(const std::string& path, std::string_view queue_id);

// Move deferred/H/ID to incoming/ID with atime/mtime now. False when the
// message is not in the deferred queue (delivered, active, held, unknown).
bool send_one(const Layout& layout, const std::string& queue_id);

// Send every distinct ID listed in the log and empty it. Returns how many
// messages moved; a missing log is zero.
util::Result<int> send_log(const Layout& layout, const std::string& path);

}  // namespace fast_flush
