// Where postsuper finds things in the queue directory: the queue names it
// accepts, the path of a message or log file by queue and ID (hashing as
// hash_queue_names/hash_queue_depth say), and a walk over a queue's files.
// Used by every postsuper operation. Paths are relative: postsuper works
// from inside queue_directory, as Postfix's does.
// Easy to get wrong: a queue's files may sit in the wrong subdirectory
// (hash settings changed), so lookups by ID use the configured path while
// the walk (-s, ALL) must look everywhere below the queue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postsuper {

// Queues that hold messages, and those that hold per-message logs.
inline const std::vector<std::string> kMessageQueues = {"maildrop", "incoming", "active",
                                                        "deferred", "hold"};
inline const std::vector<std::string> kLogQueues = {"trace", "defer", "bounce", "flush"};
// Every name postsuper accepts on its command line ("invalid directory
// name" otherwise), in the order it visits them.
bool valid_queue_name(std::string_view name);
std::vector<std::string> all_queues();

struct Layout {
  std::vector<std::string> hash_queue_names;
  int hash_queue_depth = 1;
  bool long_queue_ids = false;

  bool hashed(std::string_view queue) const;
  // "deferred/A/ID", "hold/ID".
  std::string path(std::string_view queue, std::string_view id) const;
};

struct QueueEntry {
  std::string queue;
  std::string name;  // the file's name: a queue ID unless bogus
  std::string path;  // where it really is
};

// Every non-directory below `queue`, depth first, subdirectories included.
std::vector<QueueEntry> walk_queue(const std::string& queue);
// Subdirectories below `queue` (deepest first), for clean-up after moves.
std::vector<std::string> queue_subdirectories(const std::string& queue);

// Create the missing hash subdirectories of `path` (mode 0700).
bool make_parent_directories(const std::string& path);

// rename(), creating the target's hash subdirectories first. errno is set
// on failure.
bool move_file(const std::string& from, const std::string& to);

}  // namespace postsuper
