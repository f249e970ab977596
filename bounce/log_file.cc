// Bounce log paths and durable appends; see log_file.h.
#include "bounce/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "libconf/config.h"
#include "libmail/queue_id.h"
#include "libutil/fd.h"
#include "libutil/os.h"

namespace bounce {

namespace {

// The hash subdirectories normally exist (postfix check creates them); a
// missing one is created rather than turning every append into a failure.
util::Result<void> make_parents(const std::string& path) {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (util::os::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
      return util::fail_errno("mkdir " + dir);
    }
  }
  return {};
}

}  // namespace

std::string log_path(const conf::Config& config, std::string_view service,
                     std::string_view queue_id) {
  auto names = config.try_get_list("hash_queue_names").value_or(mail::default_hash_queue_names());
  int depth = static_cast<int>(config.try_get_int("hash_queue_depth").value_or(1));
  return mail::queue_file_path(service, queue_id, names, depth);
}

util::Result<void> append_log_entry(const std::string& path, const mail::BounceLogEntry& entry) {
  util::Fd fd(util::os::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600));
  if (!fd && errno == ENOENT) {
    if (auto made = make_parents(path); !made) return made;
    fd = util::Fd(util::os::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600));
  }
  if (!fd) return util::fail_errno("open file " + path);
  if (auto w = util::os::write_all(fd.get(), mail::format_bounce_log_entry(entry), path); !w) {
    return w;
  }
  return util::os::fsync_or_error(fd.get(), path);
}

}  // namespace bounce
