#include "pickup/pickup_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "libmail/cleanup_client.h"
#include "libmail/pickup_copy.h"
#include "libmail/record.h"
#include "libmail/service_client.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/os.h"

namespace pickup {
namespace {

constexpr std::time_t kDaySeconds = 86400;
constexpr std::time_t kHourSeconds = 3600;

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A cleanup verdict other than "queued". A bad request or a message without
// recipients (a requeued message that was already delivered everywhere)
// will not improve by waiting; anything else may.
Outcome cleanup_refused(const std::string& path, const std::string& id, int status,
                        const std::string& reason) {
  util::msg_warn(path + ": error writing " + id + ": " +
                 (reason.empty() ? mail::cleanup_status_text(status) : reason));
  return (status & (mail::kCleanupStatBad | mail::kCleanupStatRcpt)) ? Outcome::kRemove
                                                                      : Outcome::kKeep;
}

}  // namespace

Outcome pickup_file(const Settings& settings, const std::string& path, const struct stat& seen) {
  // O_NOFOLLOW and the inode check: the submitter owns the file and could
  // swap it for a link between our lstat and open.
  util::Fd fd(util::os::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) return Outcome::kKeep;  // gone already: nothing to remove
    util::msg_warn("open input file " + path + ": " + std::strerror(err));
    return err == EACCES ? Outcome::kKeep : Outcome::kRemove;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) util::msg_fatal("fstat " + path + ": " + std::strerror(errno));
  if (st.st_dev != seen.st_dev || st.st_ino != seen.st_ino) return Outcome::kKeep;  // replaced
  if (!S_ISREG(st.st_mode)) {
    util::msg_warn(path + ": uid " + std::to_string(st.st_uid) + ": not a regular file");
    return Outcome::kRemove;
  }

  // Mail that postsuper -r put back: owned by mail_owner, not world-readable
  // (postdrop's files are 0744). Milters saw it the first time.
  bool requeued = st.st_uid == settings.mail_owner && (st.st_mode & S_IROTH) == 0;
  int flags = settings.cleanup_flags;
  if (requeued) flags &= ~mail::kCleanupFlagMilter;

  auto client = mail::CleanupClient::open(mail::service_path("public", settings.cleanup_service),
                                          flags, std::chrono::seconds(settings.ipc_timeout));
  if (!client) {
    util::msg_warn("connect to subsystem public/" + settings.cleanup_service + ": " +
                   client.error().message);
    return Outcome::kCleanupDown;
  }
  const std::string& id = client->queue_id();

  // A clock that jumped, or a maildrop mounted from another host.
  std::time_t now = std::time(nullptr);
  std::time_t mtime = st.st_mtime;
  if (mtime > now + 2 * kHourSeconds) {
    util::msg_warn(id + ": message dated " + std::to_string(mtime - now) +
                   " seconds into the future");
    mtime = now;
  } else if (mtime < now - kDaySeconds) {
    util::msg_warn(id + ": message has been queued for " +
                   std::to_string((now - mtime) / kDaySeconds) + " days");
  }

  mail::PickupSource source;
  source.path = path;
  source.owner = st.st_uid;
  source.mtime = mtime;
  source.queue_id = id;
  source.myhostname = settings.myhostname;
  source.mail_name = settings.mail_name;
  source.content_filter = settings.content_filter;
  mail::RecordReader reader(fd.get(), settings.line_length_limit);
  mail::PickupCopy copy(reader, source, [&](char type, std::string_view payload) {
    return client->write_record(type, payload);
  });

  auto broken = [&](const util::Error& e) {
    if (e.kind == util::ErrorKind::kMalformed) {
      if (!copy.detail().empty()) util::msg_warn(copy.detail());
      util::msg_warn(e.message);
      return Outcome::kRemove;
    }
    return cleanup_refused(path, id, mail::kCleanupStatWrite, "");
  };
  auto sender = copy.copy_envelope();
  if (!sender) return broken(sender.error());
  std::string line = id + ": uid=" + std::to_string(st.st_uid) + " from=<" + *sender + ">";
  if (requeued) line += " orig_id=" + base_name(path);
  util::msg_info(line);
  if (auto rest = copy.copy_rest(); !rest) return broken(rest.error());

  auto reply = client->finish();
  if (!reply) return cleanup_refused(path, id, mail::kCleanupStatWrite, "");
  if (reply->status != mail::kCleanupStatOk)
    return cleanup_refused(path, id, reply->status, reply->reason);
  return Outcome::kRemove;
}

}  // namespace pickup
