// util privileges: user/group lookups, permanent privilege drop (uid, gid
// and supplementary groups, verified), chroot, and a temporary switch of the
// effective uid/gid that undoes itself (RAII).
// Service skeletons drop to mail_owner after chrooting; local delivers as the
// recipient with EffectiveIds and returns to root afterwards.
// Easy to get wrong: order. Drop groups and gid while still root, uid last;
// to switch back, regain euid 0 first, then the gid and groups. And after a
// permanent drop, check that setuid(0) really fails.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "libutil/error.h"

namespace util {

struct UserInfo {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
};

// nullopt when there is no such user/group; an error when the lookup itself
// failed (NSS trouble), which callers treat as "try again later".
Result<std::optional<UserInfo>> lookup_user(const std::string& name);
Result<std::optional<UserInfo>> lookup_user(uid_t uid);
Result<std::optional<gid_t>> lookup_group(const std::string& name);
Result<std::optional<std::string>> group_name(gid_t gid);

// Become uid/gid for good with `gid` as the only supplementary group (as
// Postfix does for mail_owner). Verifies real, effective and saved ids.
Result<void> set_ugid(uid_t uid, gid_t gid);
// chroot(dir) then chdir("/").
Result<void> chroot_to(const std::string& dir);

// Temporarily act as uid/gid (effective ids and supplementary groups);
// the destructor restores what was in force before. Requires euid 0 or
// the same ids.
class EffectiveIds {
 public:
  static Result<EffectiveIds> switch_to(uid_t uid, gid_t gid);
  EffectiveIds(EffectiveIds&& other) noexcept;
  EffectiveIds& operator=(EffectiveIds&&) = delete;
  EffectiveIds(const EffectiveIds&) = delete;
  EffectiveIds& operator=(const EffectiveIds&) = delete;
  ~EffectiveIds();
  // Restore now; an error means the process is in an unknown state and
  // should end (the destructor does msg_fatal in that case).
  Result<void> restore();

 private:
  EffectiveIds(uid_t uid, gid_t gid, std::vector<gid_t> groups)
      : saved_uid_(uid), saved_gid_(gid), saved_groups_(std::move(groups)), active_(true) {}
  uid_t saved_uid_ = 0;
  gid_t saved_gid_ = 0;
  std::vector<gid_t> saved_groups_;
  bool active_ = false;
};

}  // namespace util
