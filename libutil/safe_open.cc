// Symlink- and hard-link-safe opening, exclusive creation, atomic replace.
#include "libutil/safe_open.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "libutil/os.h"

namespace util {
namespace {

Result<SafeFile> reject(const std::string& reason, int sys_errno = 0) {
  return fail(reason, sys_errno);
}

// Open an existing file and prove it is the object the name refers to.
Result<SafeFile> open_existing(const std::string& path, int flags, const SafeOpenOptions& options) {
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) < 0) return fail_errno("cannot open file");
  bool follow = false;
  if (S_ISLNK(lst.st_mode)) {
    if (!(options.allow_root_symlink && lst.st_uid == 0)) return reject("file is a symbolic link");
    follow = true;
  }
  int open_flags = flags & ~(O_CREAT | O_EXCL);
  if (!follow) open_flags |= O_NOFOLLOW;
  SafeFile out;
  out.fd = Fd(os::open(path.c_str(), open_flags | O_NONBLOCK));
  if (!out.fd) {
    if (errno == ELOOP) return reject("file is a symbolic link");
    return fail_errno("cannot open file");
  }
  // O_NONBLOCK only kept a fifo from hanging the open; files never block.
  ::fcntl(out.fd.get(), F_SETFL, ::fcntl(out.fd.get(), F_GETFL) & ~O_NONBLOCK);
  if (::fstat(out.fd.get(), &out.st) < 0) return fail_errno("cannot fstat file");
  if (!S_ISREG(out.st.st_mode)) return reject("file is not a regular file");
  if (out.st.st_nlink != 1)
    return reject("file has " + std::to_string(out.st.st_nlink) + " hard links");
  struct stat now {};
  // After following a root symlink compare with the target, else the name.
  int rc = follow ? ::stat(path.c_str(), &now) : ::lstat(path.c_str(), &now);
  if (rc < 0 || now.st_dev != out.st.st_dev || now.st_ino != out.st.st_ino)
    return reject("file has been replaced");
  if (options.owner && out.st.st_uid != *options.owner) return reject("file has wrong owner");
  if (options.group && out.st.st_gid != *options.group) return reject("file has wrong group");
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
    if (os::ftruncate(out.fd.get(), 0) < 0) return fail_errno("cannot truncate file");
  }
  return out;
}

Result<SafeFile> create_new(const std::string& path, int flags, mode_t mode,
                            const SafeOpenOptions& options) {
  SafeFile out;
  auto fd = create_exclusive(path, flags, mode);
  if (!fd) return std::unexpected(fd.error());
  out.fd = std::move(*fd);
  out.created = true;
  if (options.owner || options.group) {
    uid_t uid = options.owner ? *options.owner : static_cast<uid_t>(-1);
    gid_t gid = options.group ? *options.group : static_cast<gid_t>(-1);
    if (os::fchown(out.fd.get(), uid, gid) < 0) return fail_errno("cannot change file ownership");
  }
  if (::fstat(out.fd.get(), &out.st) < 0) return fail_errno("cannot fstat file");
  return out;
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<Fd> create_exclusive(const std::string& path, int flags, mode_t mode) {
  Fd fd(os::open(path.c_str(), (flags & ~O_TRUNC) | O_CREAT | O_EXCL | O_NOFOLLOW, mode));
  if (!fd) return fail_errno("cannot create file exclusively");
  return fd;
}

Result<SafeFile> safe_open(const std::string& path, int flags, mode_t mode,
                           const SafeOpenOptions& options) {
  if ((flags & O_CREAT) && (flags & O_EXCL)) return create_new(path, flags, mode, options);
  if (!(flags & O_CREAT)) return open_existing(path, flags, options);
  // Open-or-create: another process may create or remove the file between
  // our attempts, so go round a few times before giving up.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto existing = open_existing(path, flags, options);
    if (existing || existing.error().sys_errno != ENOENT) return existing;
    auto created = create_new(path, flags, mode, options);
    if (created || created.error().sys_errno != EEXIST) return created;
  }
  return fail("cannot open file: file is being created and removed concurrently");
}

Result<void> fsync_parent_directory(const std::string& path) {
  std::string dir = parent_of(path);
  Fd fd(os::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (!fd) return fail_errno("open directory " + dir);
  return os::fsync_or_error(fd.get(), dir);
}

Result<void> replace_file(const std::string& path, std::string_view content, mode_t mode) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  os::unlink(tmp.c_str());  // a leftover from a crashed run of this pid
  Fd fd(os::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode));
  if (!fd) return fail_errno("create file " + tmp);
  auto undo = [&](Error e) -> Result<void> {
    os::unlink(tmp.c_str());
    return std::unexpected(std::move(e));
  };
  if (os::fchmod(fd.get(), mode) < 0) return undo(Error{"fchmod " + tmp + ": " + std::strerror(errno), errno});
  if (auto w = os::write_all(fd.get(), content, tmp); !w) return undo(w.error());
  if (auto s = os::fsync_or_error(fd.get(), tmp); !s) return undo(s.error());
  fd.reset();
  if (os::rename(tmp.c_str(), path.c_str()) < 0) {
    return undo(Error{"rename " + tmp + " to " + path + ": " + std::strerror(errno), errno});
  }
  return fsync_parent_directory(path);
}

}  // namespace util
