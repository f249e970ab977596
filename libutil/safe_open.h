// util::safe_open: open a file that an unprivileged user may control (a
// mailbox in /var/mail, a file named in .forward) without being tricked by a
// planted symlink or hard link; plus exclusive creation and the atomic
// "write temp, fsync, rename, fsync directory" that queue and table writers use.
// local delivers to /var/mail/USER with safe_open as root before switching
// uid; postmap/postalias and master's pid files use replace_file.
// Easy to get wrong: checking with lstat() and then open()ing by name is a
// race; the check that counts is fstat() of the opened fd against lstat() of
// the name (same device and inode), done after opening.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/fd.h"

namespace util {

struct SafeOpenOptions {
  // Required owner/group of an existing file; nullopt: any. A file created
  // here is given this owner/group (fchown) when set.
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
  // Follow a symlink when the link itself is owned by root (Postfix allows
  // root-owned symlinks, e.g. /var/mail -> /var/spool/mail entries).
  bool allow_root_symlink = true;
};

struct SafeFile {
  Fd fd;
  struct stat st {};
  bool created = false;  // true when this call created the file
};

// flags: O_RDONLY/O_WRONLY/O_RDWR plus O_APPEND, O_CREAT, O_EXCL, O_TRUNC.
// - O_CREAT|O_EXCL: create a new file (never follows a symlink);
// - O_CREAT: open the existing file safely, else create it;
// - otherwise: open an existing file safely.
// An existing file must be a regular file with one hard link, the object the
// name points to, and owned as `options` require. Errors read like Postfix's
// "cannot open file: ..." reasons: "file is a symbolic link", "file has 2
// hard links", "file is not a regular file", "file has been replaced",
// "file has wrong owner" (sys_errno 0) or the open() error text.
Result<SafeFile> safe_open(const std::string& path, int flags, mode_t mode,
                           const SafeOpenOptions& options = {});

// Create `path` exclusively (O_EXCL|O_NOFOLLOW), mode `mode`.
Result<Fd> create_exclusive(const std::string& path, int flags, mode_t mode);

// fsync the directory that holds `path` so a rename or create in it survives
// a crash.
Result<void> fsync_parent_directory(const std::string& path);

// Replace `path` atomically with `content`: write PATH.tmpPID, fsync it,
// rename over PATH, fsync the directory. On failure PATH is untouched and
// the temp file is removed.
Result<void> replace_file(const std::string& path, std::string_view content, mode_t mode);

}  // namespace util
