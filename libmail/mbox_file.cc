#include "libmail/mbox_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "libutil/lock.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "libutil/safe_open.h"
#include "libutil/strings.h"

namespace mail {

MboxLocking load_mbox_locking(const conf::Config& config, const std::string& lock_parameter,
                              const std::string& size_parameter) {
  MboxLocking l;
  l.fcntl = l.flock = l.dotlock = false;
  for (const auto& name : config.get_list(lock_parameter)) {
    if (util::iequals(name, "fcntl")) {
      l.fcntl = true;
    } else if (util::iequals(name, "flock")) {
      l.flock = true;
    } else if (util::iequals(name, "dotlock")) {
      l.dotlock = true;
    } else {
      util::msg_fatal("invalid " + lock_parameter + " setting: " + name);
    }
  }
  long attempts = std::max(1L, config.get_int("deliver_lock_attempts"));
  l.delay = std::chrono::seconds(config.get_time("deliver_lock_delay"));
  l.wait = l.delay * (attempts - 1);
  l.stale_lock_time = std::chrono::seconds(config.get_time("stale_lock_time"));
  l.size_limit = config.get_size(size_parameter);
  return l;
}

util::Result<void> append_mbox(const std::string& path, const std::string& data,
                               const MboxLocking& locking, const MboxOptions& options) {
  util::LockWait wait{locking.wait, locking.delay};
  util::DotLock dot;
  if (options.dotlock && locking.dotlock) {
    auto got = util::DotLock::acquire(path, wait, locking.stale_lock_time);
    if (got) {
      dot = std::move(*got);
    } else if (!options.dotlock_may_fail) {
      return std::unexpected(got.error());
    }
  }

  util::SafeOpenOptions open_options;
  if (options.check_owner) open_options.owner = options.owner;
  auto file = util::safe_open(path, O_WRONLY | O_APPEND | O_CREAT, 0600, open_options);
  if (!file) return util::fail("cannot open file: " + file.error().message, file.error().sys_errno);
  if (file->created && ::geteuid() == 0 && options.owner != 0)
    (void)!util::os::fchown(file->fd.get(), options.owner, options.group);

  // Keep the locks in the order Postfix takes them: dot-lock, then kernel.
  util::FileLock fcntl_lock, flock_lock;
  if (locking.fcntl) {
    auto l = util::FileLock::acquire(file->fd.get(), util::LockStyle::kFcntl,
                                     util::LockMode::kExclusive, wait);
    if (!l) return std::unexpected(l.error());
    fcntl_lock = std::move(*l);
  }
  if (locking.flock) {
    auto l = util::FileLock::acquire(file->fd.get(), util::LockStyle::kFlock,
                                     util::LockMode::kExclusive, wait);
    if (!l) return std::unexpected(l.error());
    flock_lock = std::move(*l);
  }

  struct stat st {};
  if (::fstat(file->fd.get(), &st) < 0) return util::fail_errno("cannot fstat file");
  off_t original = st.st_size;
  if (locking.size_limit > 0 && original + static_cast<off_t>(data.size()) > locking.size_limit)
    return util::fail("error writing message: File too large", EFBIG);

  auto written = util::os::write_all(file->fd.get(), data, "message");
  util::Result<void> synced =
      written ? util::os::fsync_or_error(file->fd.get(), "message") : util::Result<void>();
  if (!written || !synced) {
    int err = written ? synced.error().sys_errno : written.error().sys_errno;
    // Never leave half a message behind.
    (void)!util::os::ftruncate(file->fd.get(), original);
    return util::fail(std::string("error writing message: ") + std::strerror(err ? err : EIO), err);
  }
  return {};
}

}  // namespace mail
