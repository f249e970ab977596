#include "flush/flush_logs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <set>

#include "libmail/queue_id.h"
#include "libutil/fd.h"
#include "libutil/lock.h"

namespace fast_flush {
namespace {

constexpr std::size_t kMaxLog = 16 << 20;  // a log larger than this is read only this far

bool site_char_ok(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':' || c == '[' || c == ']';
}

util::Result<util::FileLock> lock(int fd) {
  util::LockWait wait;
  wait.wait = std::chrono::seconds(10);
  return util::FileLock::acquire(fd, util::LockStyle::kFcntl, util::LockMode::kExclusive, wait);
}

}  // namespace

std::optional<std::string> site_log_path(const Layout& layout, std::string_view site) {
  if (site.empty() || site.size() > 255) return std::nullopt;
  std::string name;
  for (unsigned char c : site) {
    if (!site_char_ok(c)) return std::nullopt;
    name += c == '.' ? '_' : static_cast<char>(std::tolower(c));
  }
  return mail::queue_file_path("flush", name, layout.hash_queue_names, layout.hash_queue_depth);
}

util::Result<void> append_to_log(const std::string& path, std::string_view queue_id) {
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return util::fail_errno("open " + path);
  auto held = lock(fd.get());
  if (!held) return std::unexpected(held.error());
  std::string line = std::string(queue_id) + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return util::fail_errno("write " + path);
  return {};
}

bool send_one(const Layout& layout, const std::string& queue_id) {
  if (!mail::queue_id_ok(queue_id)) return false;
  std::string from = mail::queue_file_path("deferred", queue_id, layout.hash_queue_names,
                                           layout.hash_queue_depth);
  std::string to = mail::queue_file_path("incoming", queue_id, layout.hash_queue_names,
                                         layout.hash_queue_depth);
  // Now, not the retry time the deferred queue set: the file is due.
  if (::utimensat(AT_FDCWD, from.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0) return false;
  if (::rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno != ENOENT) return false;
  // A hashed incoming queue may lack the subdirectories yet.
  for (std::size_t at = to.find('/'); at != std::string::npos; at = to.find('/', at + 1))
    ::mkdir(to.substr(0, at).c_str(), 0700);
  return ::rename(from.c_str(), to.c_str()) == 0;
}

util::Result<int> send_log(const Layout& layout, const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return 0;
    return util::fail_errno("open " + path);
  }
  auto held = lock(fd.get());
  if (!held) return std::unexpected(held.error());
  std::string text;
  char buf[8192];
  while (text.size() < kMaxLog) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return util::fail_errno("read " + path);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  std::set<std::string> seen;
  int moved = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string id = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (id.empty() || !seen.insert(id).second) continue;
    if (send_one(layout, id)) ++moved;
  }
  // Mail that is deferred again is logged again by qmgr.
  if (::ftruncate(fd.get(), 0) != 0) return util::fail_errno("truncate " + path);
  return moved;
}

}  // namespace fast_flush
