#include "pickup/pickup_service.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "libmail/cleanup_client.h"
#include "libmail/queue_id.h"
#include "libmail/trigger_server.h"
#include "libutil/dir_walk.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "pickup/pickup_file.h"

namespace pickup {
namespace {

constexpr const char* kMaildrop = "maildrop";
// Postfix warns about extra hard links only once they persist this long
// (a rename in progress has two for a moment).
constexpr std::time_t kLinkGraceSeconds = 60;

// The cleanup flags a local submission asks for, less what
// receive_override_options turns off.
int cleanup_flags(const conf::Config& config) {
  int flags = mail::kCleanupFlagMask;
  for (const auto& option : config.get_list("receive_override_options")) {
    if (option == "no_header_body_checks") flags &= ~mail::kCleanupFlagFilter;
    if (option == "no_address_mappings")
      flags &= ~(mail::kCleanupFlagMapOk | mail::kCleanupFlagBccOk);
    if (option == "no_milters") flags &= ~mail::kCleanupFlagMilter;
  }
  return flags;
}

Settings read_settings(const mail::Daemon& daemon) {
  const conf::Config& c = daemon.config;
  Settings s;
  s.cleanup_service = c.get("cleanup_service_name");
  s.myhostname = c.get("myhostname");
  s.mail_name = c.get("mail_name");
  s.content_filter = c.get("content_filter");
  long limit = c.get_int("line_length_limit");
  s.line_length_limit = limit > 0 ? static_cast<std::size_t>(limit) : 0;
  s.cleanup_flags = cleanup_flags(c);
  s.ipc_timeout = daemon.ipc_timeout.count();
  return s;
}

// Every name in maildrop/ (and its one-character hash subdirectories, when
// maildrop is hashed) that may be a queue file.
void list_files(const std::string& dir, int depth, std::vector<std::string>& out) {
  util::DirWalkOptions options;
  options.max_depth = depth;
  auto walked = util::walk_dir(dir, options, [&](const util::DirEntry& e) {
    if (e.name[0] != '.' && mail::queue_id_ok(e.name)) out.push_back(e.path);
  });
  if (!walked) util::msg_warn(walked.error().message);
}

int maildrop_hash_depth(const conf::Config& config) {
  for (const auto& name : config.get_list("hash_queue_names"))
    if (name == kMaildrop) return static_cast<int>(config.get_int("hash_queue_depth"));
  return 0;
}

// The checks Postfix makes before it opens a queue file: a regular file
// whose owner bits are rwx (postdrop sets x when it is done).
bool ready(const std::string& path, struct stat& st) {
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno != ENOENT) util::msg_warn(path + ": " + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    util::msg_warn(path + ": uid " + std::to_string(st.st_uid) + ": not a regular file");
    return false;
  }
  if ((st.st_mode & S_IRWXU) != S_IRWXU) return false;
  if (st.st_nlink > 1 && std::time(nullptr) > st.st_ctime + kLinkGraceSeconds)
    util::msg_warn(path + ": uid " + std::to_string(st.st_uid) + ": file has " +
                   std::to_string(st.st_nlink) + " links");
  return true;
}

void scan(const Settings& settings, const mail::Daemon& daemon) {
  int depth = maildrop_hash_depth(daemon.config);
  // Rescan while files go away: submissions that arrived during the scan
  // are picked up without waiting for the next wake-up.
  for (bool progress = true; progress;) {
    progress = false;
    std::vector<std::string> files;
    list_files(kMaildrop, depth, files);
    for (const auto& path : files) {
      struct stat st {};
      if (!ready(path, st)) continue;
      Outcome outcome = pickup_file(settings, path, st);
      if (outcome == Outcome::kCleanupDown) return;
      if (outcome == Outcome::kRemove) {
        // Rescan only when the file really went: one we cannot remove
        // would otherwise be queued again and again in this loop.
        if (util::os::unlink(path.c_str()) == 0)
          progress = true;
        else if (errno != ENOENT)
          util::msg_warn("remove " + path + ": " + std::strerror(errno));
      }
    }
  }
}

}  // namespace

int run(int argc, char** argv) {
  Settings settings;
  mail::ServerHooks hooks;
  // The password file is outside the chroot.
  hooks.pre_jail = [&](mail::Daemon& daemon) {
    settings = read_settings(daemon);
    std::string owner = daemon.config.get("mail_owner");
    struct passwd* pw = ::getpwnam(owner.c_str());
    if (!pw) util::msg_fatal("unknown mail_owner user: " + owner);
    settings.mail_owner = pw->pw_uid;
  };
  // The first scan happens at start, before any trigger: mail that came
  // in while pickup was down must not wait for the wakeup timer.
  hooks.post_jail = [&](mail::Daemon& daemon) { scan(settings, daemon); };
  mail::trigger_server_main(
      argc, argv, "pickup", [&](std::string_view, mail::Daemon& daemon) { scan(settings, daemon); },
      hooks);
}

}  // namespace pickup
