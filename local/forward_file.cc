#include "local/forward_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "local/local_vars.h"

namespace local {
namespace {

constexpr std::size_t kMaxFileSize = 1 << 20;  // a .forward is a few lines

struct OpenedFile {
  std::string content;
  struct stat st {};
};

// nullopt: the file does not exist.
util::Result<std::optional<OpenedFile>> read_as(const std::string& path, uid_t uid, gid_t gid) {
  std::optional<util::EffectiveIds> ids;
  if (::geteuid() == 0 && uid != 0) {
    auto sw = util::EffectiveIds::switch_to(uid, gid);
    if (!sw) return std::unexpected(sw.error());
    ids.emplace(std::move(*sw));
  }
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return util::fail_errno("open " + path);
  }
  OpenedFile f;
  if (::fstat(fd.get(), &f.st) < 0) return util::fail_errno("fstat " + path);
  if (!S_ISREG(f.st.st_mode)) return util::fail("open " + path + ": not a regular file");
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return util::fail_errno("read " + path);
    if (n == 0) break;
    f.content.append(buf, static_cast<std::size_t>(n));
    if (f.content.size() > kMaxFileSize) return util::fail("read " + path + ": file too large");
  }
  return f;
}

}  // namespace

util::Result<std::optional<std::string>> read_forward_file(const conf::Config& config,
                                                           const std::string& forward_path,
                                                           const util::UserInfo& user,
                                                           std::string_view extension) {
  mail::LocalAction scope;
  scope.address = user.name;
  scope.local = user.name;
  std::set<std::string> tried;
  for (const auto& element : conf::Config::split_list(forward_path)) {
    auto path = expand_local_vars(config, element, user, scope, extension);
    if (!path) {
      util::msg_warn("forward_path: " + path.error().message);
      continue;
    }
    if (path->empty() || !tried.insert(*path).second) continue;
    auto file = read_as(*path, user.uid, user.gid);
    if (!file) return std::unexpected(file.error());
    if (!*file) continue;
    if ((*file)->st.st_uid != user.uid && (*file)->st.st_uid != 0) {
      util::msg_warn("file " + *path + " has bad owner uid " + std::to_string((*file)->st.st_uid) +
                     " -- ignored");
      continue;
    }
    return std::move((*file)->content);
  }
  return std::nullopt;
}

util::Result<std::string> read_include_file(const std::string& path, const mail::LocalPrivs& privs,
                                            mail::LocalPrivs& owner) {
  if (!path.starts_with('/')) return util::fail("include file " + path + ": not an absolute path");
  auto file = read_as(path, privs.uid, privs.gid);
  if (!file) return std::unexpected(file.error());
  if (!*file) return util::fail_errno("open " + path, ENOENT);
  owner = mail::LocalPrivs{(*file)->st.st_uid, (*file)->st.st_gid};
  return std::move((*file)->content);
}

}  // namespace local
