#include "tools/postsuper/structure.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string_view>

#include "libmail/queue_id.h"
#include "libutil/log.h"
#include "libutil/os.h"

namespace postsuper {
namespace {

// Observed on Postfix 3.7: unfinished files of 6 days stay, of 8 days go.
constexpr std::time_t kMaxTempAge = 7 * 86400;
// A bound on the repeat passes, should renames keep happening.
constexpr int kMaxPasses = 5;

bool is_message_queue(const std::string& queue) {
  return std::find(kMessageQueues.begin(), kMessageQueues.end(), queue) != kMessageQueues.end();
}

// Short IDs: five characters (the microseconds, kept as they are) and the
// inode in upper-case hex, which is what is checked.
constexpr std::size_t kShortPrefix = 5;

bool upper_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789ABCDEF") == std::string_view::npos;
}

std::string hex(unsigned long long n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llX", n);
  return buf;
}

// The name this message file should have, given its inode: empty when the
// name is right, nullopt when it is no queue ID at all.
std::optional<std::string> wanted_name(const Layout& layout, const std::string& id,
                                       const struct stat& st, const StructureOptions& options) {
  auto parts = mail::parse_queue_id(id);
  if (parts && parts->long_form) {
    if (!layout.long_queue_ids)  // migration back to short names
      return mail::make_short_queue_id(parts->usec, st.st_ino);
    if (options.fix_long && parts->inode != st.st_ino && parts->seconds)
      return mail::make_long_queue_id(*parts->seconds, parts->usec, st.st_ino);
    return std::string();
  }
  // Observed: Postfix calls names without a hex inode part bogus (too
  // short, or other letters), and keeps the first five characters whatever
  // they are when it renames.
  if (id.size() <= kShortPrefix) return std::nullopt;
  std::string_view inode = std::string_view(id).substr(kShortPrefix);
  if (!upper_hex(inode)) return std::nullopt;
  if (std::strtoull(std::string(inode).c_str(), nullptr, 16) == st.st_ino) return std::string();
  return id.substr(0, kShortPrefix) + hex(st.st_ino);
}

struct Pass {
  long renamed = 0;
  bool changed = false;
};

void fix_queue(const Layout& layout, const std::string& queue, const StructureOptions& options,
               Pass& pass) {
  std::time_t now = std::time(nullptr);
  for (const auto& entry : walk_queue(queue)) {
    struct stat st {};
    if (::lstat(entry.path.c_str(), &st) < 0) continue;
    if (options.purge && is_message_queue(queue) && S_ISREG(st.st_mode) &&
        (st.st_mode & S_IRWXU) != S_IRWXU && st.st_mtime < now - kMaxTempAge) {
      if (util::os::unlink(entry.path.c_str()) < 0 && errno != ENOENT)
        util::msg_warn("remove file " + entry.path + ": " + std::strerror(errno));
      continue;
    }
    if (!mail::queue_id_ok(entry.name)) {
      util::msg_warn("bogus file name: " + entry.path);
      continue;
    }
    if (!options.fix && !options.fix_long) continue;
    std::string id = entry.name;
    if (is_message_queue(queue) && S_ISREG(st.st_mode)) {
      auto wanted = wanted_name(layout, id, st, options);
      if (!wanted) {
        util::msg_warn("bogus file name: " + entry.path);
        continue;
      }
      std::string new_id = *wanted;
      if (!new_id.empty()) {
        std::string to = layout.path(queue, new_id);
        if (!move_file(entry.path, to)) {
          util::msg_warn("rename file " + entry.path + " as " + to + ": " + std::strerror(errno));
          continue;
        }
        // The logs follow the message they belong to.
        for (const char* log : {"defer", "bounce", "trace"}) {
          std::string from = layout.path(log, id);
          if (::access(from.c_str(), F_OK) == 0 && !move_file(from, layout.path(log, new_id)))
            util::msg_warn("rename file " + from + " as " + layout.path(log, new_id) + ": " +
                           std::strerror(errno));
        }
        ++pass.renamed;
        pass.changed = true;
        continue;
      }
    }
    std::string want = layout.path(queue, id);
    if (want != entry.path) {
      if (!move_file(entry.path, want))
        util::msg_warn("rename file " + entry.path + " as " + want + ": " + std::strerror(errno));
      else
        pass.changed = true;
    }
  }
  if (!options.fix && !options.fix_long) return;
  // An unhashed queue has no business with subdirectories; a hashed one
  // keeps its own (empty ones are harmless and will be used again).
  if (!layout.hashed(queue)) {
    for (const auto& dir : queue_subdirectories(queue)) {
      if (::rmdir(dir.c_str()) < 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
        util::msg_warn("remove subdirectory " + dir + ": " + std::strerror(errno));
    }
  }
}

}  // namespace

long check_structure(const Layout& layout, const std::vector<std::string>& queues,
                     const StructureOptions& options) {
  long renamed = 0;
  for (int n = 0; n < kMaxPasses; ++n) {
    Pass pass;
    for (const auto& queue : queues) fix_queue(layout, queue, options, pass);
    renamed += pass.renamed;
    if (pass.renamed == 0) break;
  }
  return renamed;
}

}  // namespace postsuper
