#include "tools/postsuper/queue_layout.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "libmail/queue_id.h"
#include "libutil/dir_walk.h"
#include "libutil/os.h"

namespace postsuper {

bool valid_queue_name(std::string_view name) {
  auto in = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  return in(kMessageQueues) || in(kLogQueues);
}

std::vector<std::string> all_queues() {
  std::vector<std::string> out = kMessageQueues;
  out.insert(out.end(), kLogQueues.begin(), kLogQueues.end());
  return out;
}

bool Layout::hashed(std::string_view queue) const {
  return std::find(hash_queue_names.begin(), hash_queue_names.end(), queue) !=
         hash_queue_names.end();
}

std::string Layout::path(std::string_view queue, std::string_view id) const {
  return mail::queue_file_path(queue, id, hash_queue_names, hash_queue_depth);
}

namespace {

void walk(const std::string& dir, const std::string& queue, std::vector<QueueEntry>* files,
          std::vector<std::string>* dirs) {
  // Any subdirectory, not just hash levels: postsuper also cleans up
  // directories a different hash_queue_depth left behind.
  util::DirWalkOptions options;
  options.single_char_dirs = false;
  options.sorted = true;
  (void)util::walk_dir(
      dir, options,
      [&](const util::DirEntry& e) {
        if (files) files->push_back(QueueEntry{queue, e.name, e.path});
      },
      [&](const std::string& path) {
        if (dirs) dirs->push_back(path);
      });
}

}  // namespace

std::vector<QueueEntry> walk_queue(const std::string& queue) {
  std::vector<QueueEntry> out;
  walk(queue, queue, &out, nullptr);
  return out;
}

std::vector<std::string> queue_subdirectories(const std::string& queue) {
  std::vector<std::string> out;
  walk(queue, queue, nullptr, &out);
  return out;
}

bool make_parent_directories(const std::string& path) {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (util::os::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return false;
  }
  return true;
}

bool move_file(const std::string& from, const std::string& to) {
  if (util::os::rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno != ENOENT) return false;
  // The source is gone, or the target's subdirectory is missing.
  struct stat st {};
  if (::lstat(from.c_str(), &st) < 0) return false;
  if (!make_parent_directories(to)) return false;
  return util::os::rename(from.c_str(), to.c_str()) == 0;
}

}  // namespace postsuper
