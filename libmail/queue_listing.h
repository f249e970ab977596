// What `postqueue -p`/`-j` and `mailq` show: one ListedMessage per queue
// file, read the way Postfix's showq reads the queue (Postfix 3.7, cli.md
// §1-2). Used by the showq daemon (which sends the entries to postqueue) and
// by postqueue itself when showq cannot be reached and root lists the queue
// directly. The text and JSON layouts are in queue_listing_format.h.
// Easy to get wrong:
//  - queue order is maildrop, active, incoming, deferred, hold, each in
//    directory order (hashed subdirectories depth first, as readdir gives);
//  - only files whose owner bits are exactly rwx are listed (a file still
//    being written is 0600/0644); the group-execute bit means "forced to
//    expire" (`#` mark, "forced_expire": true);
//  - the recipients are first the defer log's entries in log order (a
//    recipient may appear twice, and one already delivered too), then the
//    queue file's undelivered R records not already shown (exact-string
//    dedup); when a defer log exists, a recipient without an entry is shown
//    as "(reason unavailable)" in the text form but has no delay_reason in JSON;
//  - the size is the C record's first field, or the file size for maildrop
//    files, which have no C record.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/error.h"

namespace mail {

struct ListedRecipient {
  std::string address;                // as stored (not yet quoted for display)
  std::optional<std::string> reason;  // from the defer log
  bool operator==(const ListedRecipient&) const = default;
};

struct ListedMessage {
  std::string queue_name;  // maildrop, active, incoming, deferred, hold
  std::string queue_id;
  long arrival_time = 0;   // T record, seconds
  long size = 0;
  bool forced_expire = false;
  bool has_defer_log = false;  // recipients without a reason show "reason unavailable"
  std::string sender;          // as stored; empty for the null sender
  std::vector<ListedRecipient> recipients;
  bool operator==(const ListedMessage&) const = default;
};

// The queues showq lists, in its order.
const std::vector<std::string>& listed_queue_names();

// One defer-log entry: the recipient and the reason shown in parentheses.
struct DeferLogEntry {
  std::string recipient;
  std::string reason;
};
// Parse a defer/bounce log (queue.md §5). Blocks are separated by empty
// lines; the human line "<rcpt>: text" gives the defaults that the
// recipient= and reason= lines then override. Blocks without a recipient
// are dropped.
std::vector<DeferLogEntry> parse_defer_log(std::string_view text);

// Where the queue is and how it is hashed (main.cf: queue_directory,
// hash_queue_names, hash_queue_depth).
struct QueueLayout {
  std::string queue_directory;  // "" or "." for the current directory (daemons)
  std::vector<std::string> hash_queue_names;
  int hash_queue_depth = 1;
};

// Read one queue file as showq does. `path` is the file, `st` its lstat
// result. nullopt for a file showq skips (not ready, not a queue file
// name, unreadable or damaged).
std::optional<ListedMessage> read_listed_message(const QueueLayout& layout,
                                                 const std::string& queue_name,
                                                 const std::string& queue_id,
                                                 const std::string& path, const struct stat& st);

// Walk every listed queue and call `visit` for each message, in showq's
// order. A missing queue directory is skipped silently.
void scan_queues(const QueueLayout& layout,
                 const std::function<void(const ListedMessage&)>& visit);

// Everything scan_queues finds, for tests and small queues.
std::vector<ListedMessage> list_queues(const QueueLayout& layout);

}  // namespace mail
