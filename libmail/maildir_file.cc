#include "libmail/maildir_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libmail/local_maildir_name.h"
#include "libutil/fd.h"
#include "libutil/os.h"
#include "libutil/safe_open.h"

namespace mail {
namespace {

// mkdir that tolerates an existing directory and hands a new one to the user.
util::Result<void> ensure_dir(const std::string& path, uid_t uid, gid_t gid) {
  if (util::os::mkdir(path.c_str(), 0700) == 0) {
    if (::geteuid() == 0) (void)!::chown(path.c_str(), uid, gid);
    return {};
  }
  if (errno != EEXIST) return util::fail_errno("create maildir directory " + path);
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
    return util::fail("create maildir directory " + path + ": not a directory", ENOTDIR);
  return {};
}

}  // namespace

util::Result<std::string> deliver_maildir(const std::string& dir_in, const std::string& data,
                                          uid_t uid, gid_t gid) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  for (const std::string& d : {dir, dir + "/tmp", dir + "/new", dir + "/cur"})
    if (auto ok = ensure_dir(d, uid, gid); !ok) return std::unexpected(ok.error());

  timeval now{};
  ::gettimeofday(&now, nullptr);
  std::string host = mail::maildir_host_name();
  std::string tmp = dir + "/tmp/" + mail::maildir_tmp_name(now.tv_sec, ::getpid(), host);
  util::Fd fd(
      util::os::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return util::fail_errno("create maildir file " + tmp);
  if (::geteuid() == 0) (void)!util::os::fchown(fd.get(), uid, gid);
  auto fail_and_clean = [&](int err) -> util::Result<std::string> {
    ::unlink(tmp.c_str());
    return util::fail("create maildir file " + tmp + ": " + std::strerror(err), err);
  };
  if (auto w = util::os::write_all(fd.get(), data, tmp); !w)
    return fail_and_clean(w.error().sys_errno ? w.error().sys_errno : EIO);
  if (auto s = util::os::fsync_or_error(fd.get(), tmp); !s)
    return fail_and_clean(s.error().sys_errno ? s.error().sys_errno : EIO);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return fail_and_clean(errno);
  std::string name = mail::maildir_new_name(now.tv_sec, st.st_dev, st.st_ino, now.tv_usec, host);
  std::string target = dir + "/new/" + name;
  if (util::os::rename(tmp.c_str(), target.c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return util::fail("create maildir file " + target + ": " + std::strerror(err), err);
  }
  (void)util::fsync_parent_directory(target);
  return target;
}

}  // namespace mail
