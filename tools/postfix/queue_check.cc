#include "tools/postfix/queue_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "libutil/log.h"
#include "libutil/privileges.h"

namespace postfix_cmd {
namespace {

enum class Owner { kMailOwner, kRoot };
enum class Group { kRoot, kSetgid };

struct QueueDir {
  const char* name;
  Owner owner;
  Group group;
  mode_t mode;
};

// queue.md §1, as observed after Postfix's `postfix check`.
constexpr QueueDir kQueueDirs[] = {
    {"active", Owner::kMailOwner, Group::kRoot, 0700},
    {"bounce", Owner::kMailOwner, Group::kRoot, 0700},
    {"corrupt", Owner::kMailOwner, Group::kRoot, 0700},
    {"defer", Owner::kMailOwner, Group::kRoot, 0700},
    {"deferred", Owner::kMailOwner, Group::kRoot, 0700},
    {"flush", Owner::kMailOwner, Group::kRoot, 0700},
    {"hold", Owner::kMailOwner, Group::kRoot, 0700},
    {"incoming", Owner::kMailOwner, Group::kRoot, 0700},
    {"maildrop", Owner::kMailOwner, Group::kSetgid, 0730},
    {"pid", Owner::kRoot, Group::kRoot, 0755},
    {"private", Owner::kMailOwner, Group::kRoot, 0700},
    {"public", Owner::kMailOwner, Group::kSetgid, 0710},
    {"saved", Owner::kMailOwner, Group::kRoot, 0700},
    {"trace", Owner::kMailOwner, Group::kRoot, 0700},
};

std::string octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

}  // namespace

util::Result<void> check_queue(const conf::Config& config, bool fix) {
  std::string main_cf = config.config_directory() + "/main.cf";
  std::string owner_name = config.get("mail_owner");
  auto owner = util::lookup_user(owner_name);
  if (!owner) return std::unexpected(owner.error());
  if (!*owner)
    return util::fail("file " + main_cf + ": parameter mail_owner: unknown user name value: " +
                      owner_name);
  if ((*owner)->uid == 0)
    return util::fail("file " + main_cf + ": parameter mail_owner: user " + owner_name +
                      " has privileged user ID");
  std::string group_name = config.get("setgid_group");
  auto setgid = util::lookup_group(group_name);
  if (!setgid) return std::unexpected(setgid.error());
  if (!*setgid)
    return util::fail("file " + main_cf + ": parameter setgid_group: unknown group name: " +
                      group_name);

  std::string queue_dir = config.get("queue_directory");
  std::string data_dir = config.get("data_directory");
  struct stat st{};
  // The queue directory itself is the administrator's (Postfix does not
  // make it); data_directory is created mail_owner:root 0700 as Postfix does.
  if (::stat(queue_dir.c_str(), &st) < 0) return util::fail_errno("chdir(" + queue_dir + ")");
  if (::stat(data_dir.c_str(), &st) < 0) {
    if (::mkdir(data_dir.c_str(), 0700) < 0) return util::fail_errno("mkdir " + data_dir);
    if (::chown(data_dir.c_str(), (*owner)->uid, 0) < 0 || ::chmod(data_dir.c_str(), 0700) < 0)
      return util::fail_errno("set owner/mode of " + data_dir);
  }
  for (const auto& d : kQueueDirs) {
    std::string path = queue_dir + "/" + d.name;
    uid_t uid = d.owner == Owner::kMailOwner ? (*owner)->uid : 0;
    gid_t gid = d.group == Group::kSetgid ? **setgid : 0;
    if (::lstat(path.c_str(), &st) < 0) {
      if (errno != ENOENT) return util::fail_errno("stat " + path);
      if (::mkdir(path.c_str(), d.mode) < 0) return util::fail_errno("mkdir " + path);
      // mkdir applies the umask; the mode must be exact.
      if (::chown(path.c_str(), uid, gid) < 0 || ::chmod(path.c_str(), d.mode) < 0)
        return util::fail_errno("set owner/mode of " + path);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      util::msg_warn("not a directory: " + path);
      continue;
    }
    bool wrong_owner = st.st_uid != uid || st.st_gid != gid;
    bool wrong_mode = (st.st_mode & 07777) != d.mode;
    if (fix) {
      if (wrong_owner && ::chown(path.c_str(), uid, gid) < 0) return util::fail_errno("chown " + path);
      if (wrong_mode && ::chmod(path.c_str(), d.mode) < 0) return util::fail_errno("chmod " + path);
    } else {
      if (wrong_owner) util::msg_warn("not owned by " + std::string(uid == 0 ? "root" : owner_name) + ": " + path);
      if (wrong_mode) util::msg_warn("bad mode " + octal(st.st_mode & 07777) + " (expected " + octal(d.mode) + "): " + path);
    }
  }
  return {};
}

}  // namespace postfix_cmd
