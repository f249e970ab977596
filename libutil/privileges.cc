// Privilege drop, chroot, temporary effective ids, user lookups.
#include "libutil/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "libutil/log.h"

namespace util {
namespace {

constexpr size_t kInitialBuffer = 1024;
constexpr size_t kMaxBuffer = 1 << 20;

UserInfo to_user(const passwd& pw) {
  return UserInfo{pw.pw_name ? pw.pw_name : "", pw.pw_uid, pw.pw_gid,
                  pw.pw_gecos ? pw.pw_gecos : "", pw.pw_dir ? pw.pw_dir : "",
                  pw.pw_shell ? pw.pw_shell : ""};
}

// Run a getXXX_r call with a growing buffer (ERANGE) up to a bound.
template <class Entry, class Call>
Result<std::optional<Entry>> lookup(const std::string& what, Call call) {
  std::vector<char> buf(kInitialBuffer);
  for (;;) {
    Entry entry{};
    Entry* found = nullptr;
    int rc = call(&entry, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < kMaxBuffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    // Not found is rc 0 (or ENOENT and friends on some NSS modules).
    if (found == nullptr && (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM))
      return std::optional<Entry>();
    if (rc != 0) return fail_errno(what, rc);
    // The strings point into buf, which dies here: callers copy at once.
    return std::optional<Entry>(entry);
  }
}

Result<std::optional<UserInfo>> user_lookup(const std::string& what,
                                            int (*getter)(const void*, passwd*, char*, size_t,
                                                          passwd**),
                                            const void* key) {
  std::vector<char> buf(kInitialBuffer);
  for (;;) {
    passwd pw{};
    passwd* found = nullptr;
    int rc = getter(key, &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < kMaxBuffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (found == nullptr && (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM))
      return std::optional<UserInfo>();
    if (rc != 0) return fail_errno(what, rc);
    return std::optional<UserInfo>(to_user(pw));
  }
}

}  // namespace

Result<std::optional<UserInfo>> lookup_user(const std::string& name) {
  return user_lookup(
      "getpwnam_r " + name,
      [](const void* key, passwd* pw, char* b, size_t n, passwd** out) {
        return ::getpwnam_r(static_cast<const char*>(key), pw, b, n, out);
      },
      name.c_str());
}

Result<std::optional<UserInfo>> lookup_user(uid_t uid) {
  return user_lookup(
      "getpwuid_r " + std::to_string(uid),
      [](const void* key, passwd* pw, char* b, size_t n, passwd** out) {
        return ::getpwuid_r(*static_cast<const uid_t*>(key), pw, b, n, out);
      },
      &uid);
}

Result<std::optional<gid_t>> lookup_group(const std::string& name) {
  auto g = lookup<group>("getgrnam_r " + name, [&](group* g, char* b, size_t n, group** out) {
    return ::getgrnam_r(name.c_str(), g, b, n, out);
  });
  if (!g) return std::unexpected(g.error());
  if (!*g) return std::optional<gid_t>();
  return std::optional<gid_t>((*g)->gr_gid);
}

Result<std::optional<std::string>> group_name(gid_t gid) {
  std::vector<char> buf(kInitialBuffer);
  for (;;) {
    group g{};
    group* found = nullptr;
    int rc = ::getgrgid_r(gid, &g, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < kMaxBuffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (found == nullptr && (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM))
      return std::optional<std::string>();
    if (rc != 0) return fail_errno("getgrgid_r " + std::to_string(gid), rc);
    return std::optional<std::string>(g.gr_name);
  }
}

Result<void> set_ugid(uid_t uid, gid_t gid) {
  // A root process that is acting as someone else (EffectiveIds) goes back
  // to root first, or setgroups() would fail.
  if (::getuid() == 0 && ::geteuid() != 0 && ::seteuid(0) < 0) return fail_errno("seteuid(0)");
  if (::geteuid() == 0 && ::setgroups(1, &gid) < 0)
    return fail_errno("setgroups(1, &" + std::to_string(gid) + ")");
  if (::setgid(gid) < 0) return fail_errno("setgid(" + std::to_string(gid) + ")");
  if (::setuid(uid) < 0) return fail_errno("setuid(" + std::to_string(uid) + ")");
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  ::getresuid(&ruid, &euid, &suid);
  ::getresgid(&rgid, &egid, &sgid);
  if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid)
    return fail("set_ugid: ids did not change to uid " + std::to_string(uid) + " gid " +
                std::to_string(gid));
  if (uid != 0 && ::setuid(0) == 0) return fail("set_ugid: could regain root privileges");
  return {};
}

Result<void> chroot_to(const std::string& dir) {
  if (::chroot(dir.c_str()) < 0) return fail_errno("chroot(" + dir + ")");
  if (::chdir("/") < 0) return fail_errno("chdir(/)");
  return {};
}

Result<EffectiveIds> EffectiveIds::switch_to(uid_t uid, gid_t gid) {
  uid_t old_uid = ::geteuid();
  gid_t old_gid = ::getegid();
  int n = ::getgroups(0, nullptr);
  if (n < 0) return fail_errno("getgroups");
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (n > 0 && ::getgroups(n, groups.data()) < 0) return fail_errno("getgroups");
  EffectiveIds saved(old_uid, old_gid, std::move(groups));
  if (old_uid == uid && old_gid == gid) return saved;
  // Become root first when we are someone else right now (a nested switch).
  if (old_uid != 0 && ::seteuid(0) < 0) return fail_errno("seteuid(0)");
  // On any failure below, `saved` going out of scope restores the old ids.
  if (::setegid(gid) < 0) return fail_errno("setegid(" + std::to_string(gid) + ")");
  if (::setgroups(1, &gid) < 0) return fail_errno("setgroups(1, &" + std::to_string(gid) + ")");
  if (::seteuid(uid) < 0) return fail_errno("seteuid(" + std::to_string(uid) + ")");
  return saved;
}

EffectiveIds::EffectiveIds(EffectiveIds&& other) noexcept
    : saved_uid_(other.saved_uid_),
      saved_gid_(other.saved_gid_),
      saved_groups_(std::move(other.saved_groups_)),
      active_(std::exchange(other.active_, false)) {}

Result<void> EffectiveIds::restore() {
  if (!active_) return {};
  active_ = false;
  if (::geteuid() == saved_uid_ && ::getegid() == saved_gid_) return {};
  if (::geteuid() != 0 && ::seteuid(0) < 0) return fail_errno("seteuid(0)");
  if (::setgroups(saved_groups_.size(), saved_groups_.data()) < 0) return fail_errno("setgroups");
  if (::setegid(saved_gid_) < 0) return fail_errno("setegid(" + std::to_string(saved_gid_) + ")");
  if (::seteuid(saved_uid_) < 0) return fail_errno("seteuid(" + std::to_string(saved_uid_) + ")");
  return {};
}

EffectiveIds::~EffectiveIds() {
  // Carrying on with the wrong ids would be a security hole: stop instead.
  if (auto r = restore(); !r) msg_fatal(r.error().message);
}

}  // namespace util
