#include "libconf/config_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "libutil/fd.h"

namespace conf {

util::Result<std::string> read_file_for_edit(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return util::fail_errno("open " + path + " for reading", errno);
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return util::fail_errno("read " + path, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

util::Result<void> replace_file_atomically(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  mode_t mode = 0644;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  util::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return util::fail_errno("open " + tmp, errno);
  auto abandon = [&](const std::string& what) {
    int saved = errno;
    ::unlink(tmp.c_str());
    return util::fail_errno(what + " " + tmp, saved);
  };
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon("write");
    }
    done += static_cast<size_t>(n);
  }
  // umask may have narrowed the mode given to open().
  if (::fchmod(fd.get(), mode) < 0) return abandon("fchmod");
  if (::fsync(fd.get()) < 0) return abandon("fsync");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) return abandon("rename");
  return {};
}

}  // namespace conf
