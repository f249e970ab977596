// Queue IDs and where a queue file lives. Short IDs are 5 uppercase hex
// digits of the microseconds plus the inode in hex; long IDs are the seconds
// (6 chars) and microseconds (4 chars) in base 52, a `z`, and the inode in
// base 51. Used by cleanup/postdrop (naming a new file), qmgr, postsuper,
// postqueue and postcat (finding one).
// Easy to get wrong: the hash subdirectories come from the MICROSECONDS in
// hex, for long IDs too (decoded from the base-52 part, not the ID's first
// characters), upper case, one character per level.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

std::string make_short_queue_id(long usec, ino_t inode);
std::string make_long_queue_id(time_t seconds, long usec, ino_t inode);

struct QueueIdParts {
  bool long_form = false;
  std::optional<time_t> seconds;  // long IDs only
  long usec = 0;
  ino_t inode = 0;
};
// Decode an ID made by either function above; nullopt for anything else.
std::optional<QueueIdParts> parse_queue_id(std::string_view id);

// What Postfix accepts as a queue file name (postcat -q, postsuper):
// 1..255 letters, digits or underscores.
bool queue_id_ok(std::string_view id);

// "A/D/" for depth 2 (empty for depth 0): the hex microseconds for IDs of
// either form, else the ID's leading characters.
std::string queue_hash_dir(std::string_view id, int depth);

// "deferred/A/D/ID" when `queue` is in hash_queue_names, else "hold/ID".
std::string queue_file_path(std::string_view queue, std::string_view id,
                            const std::vector<std::string>& hash_queue_names, int depth);

// Postfix's defaults for hash_queue_names and hash_queue_depth.
std::vector<std::string> default_hash_queue_names();
inline constexpr int kDefaultHashQueueDepth = 1;

}  // namespace mail
