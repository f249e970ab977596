// Queue scans: active/ back to incoming/ at start (what a dead qmgr left in
// flight), incoming/ on triggers, deferred/ (hashed) when files are due, and
// the corrupt/ quarantine. Paths are relative: cwd is queue_directory.
// Easy to get wrong: incoming/ files still mode 0600 are being written by
// cleanup and must be left alone (unless abandoned for daemon_timeout); and
// a file in deferred/ whose mtime is in the future is not due yet.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "libmail/queue_id.h"
#include "libutil/dir_walk.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "qmgr/qmgr.h"

namespace qmgr {
namespace {

// Every regular file below `dir` (hash subdirectories included), as
// (path, name). Missing directories are empty.
std::vector<std::pair<std::string, std::string>> list_files(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  (void)util::walk_dir(dir, {}, [&](const util::DirEntry& e) {
    if (S_ISREG(e.st.st_mode)) out.emplace_back(e.path, e.name);
  });
  return out;
}

}  // namespace

std::string QueueManager::hashed(std::string_view queue, std::string_view id) const {
  return mail::queue_file_path(queue, id, hash_names_, hash_depth_);
}

void QueueManager::recover_active() {
  // Postfix moves them to incoming/ so they are scanned again first; the
  // delivered recipients are D already and are not sent again.
  for (const auto& [path, id] : list_files("active")) {
    if (!mail::queue_id_ok(id)) continue;
    std::string to = hashed("incoming", id);
    if (util::os::rename(path.c_str(), to.c_str()) != 0)
      util::msg_warn("move " + path + " to " + to + ": " + std::strerror(errno));
  }
}

void QueueManager::scan_incoming() {
  rescan_incoming_ = false;
  time_t now = ::time(nullptr);
  for (const auto& [path, id] : list_files("incoming")) {
    if (static_cast<long>(messages_.size()) >= active_limit_) {
      rescan_incoming_ = true;
      return;
    }
    if (!mail::queue_id_ok(id) || messages_.contains(id)) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    // Not executable: cleanup is still writing it.
    if (!(st.st_mode & S_IXUSR) && now - st.st_mtime < daemon_.daemon_timeout.count()) continue;
    activate(path, id);
  }
}

void QueueManager::scan_deferred(bool all) {
  time_t now = ::time(nullptr);
  for (const auto& [path, id] : list_files("deferred")) {
    if (static_cast<long>(messages_.size()) >= active_limit_) return;
    if (!mail::queue_id_ok(id) || messages_.contains(id)) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    if (!all && st.st_mtime > now) continue;  // the next retry time has not come
    activate(path, id);
  }
}

void QueueManager::activate(const std::string& from_path, const std::string& id) {
  std::string active = hashed("active", id);
  if (util::os::rename(from_path.c_str(), active.c_str()) != 0) {
    // Gone (postsuper) or moved by someone else: nothing to do.
    if (errno != ENOENT)
      util::msg_warn("move " + from_path + " to " + active + ": " + std::strerror(errno));
    return;
  }
  load(id);
}

void QueueManager::save_corrupt(const std::string& id, const std::string& why) {
  util::msg_warn(id + ": message rejected: " + why);
  std::string from = hashed("active", id);
  std::string to = hashed("corrupt", id);
  if (util::os::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != ENOENT)
      util::msg_fatal("save corrupt file queue active id " + id + ": " + std::strerror(errno));
    return;
  }
  util::msg_warn("saving corrupt file \"" + id + "\" from queue \"active\" to queue \"corrupt\"");
}

}  // namespace qmgr
