#include "local/mailbox_delivery.h"

#include <cerrno>

#include "libmail/maildir_file.h"
#include "libmail/mbox_file.h"
#include "libutil/privileges.h"
#include "local/command_delivery.h"
#include "local/local_vars.h"

namespace local {
namespace {

// A full mailbox or over-quota user bounces; everything else waits.

}  // namespace

Outcome deliver_mailbox(const Delivery& d, const conf::Config& config) {
  const util::UserInfo& user = *d.action.user;
  if (!d.settings.mailbox_command.empty()) {
    auto command =
        expand_local_vars(config, d.settings.mailbox_command, user, d.action, d.action.extension);
    if (!command) return deferred("4.3.0", "mailbox_command: " + command.error().message);
    return deliver_command(d, *command, user.uid, user.gid, user);
  }

  bool in_home = !d.settings.home_mailbox.empty();
  std::string path = in_home ? user.home + "/" + d.settings.home_mailbox
                             : d.settings.mail_spool_directory + "/" + user.name;
  bool maildir = in_home ? d.settings.home_mailbox.ends_with('/')
                         : d.settings.mail_spool_directory.ends_with('/');
  if (!in_home && maildir) path = d.settings.mail_spool_directory + user.name + "/";

  // Home deliveries run as the user for the whole write.
  std::optional<util::EffectiveIds> as_user;
  if (in_home) {
    auto ids = util::EffectiveIds::switch_to(user.uid, user.gid);
    if (!ids) return deferred("4.3.0", "cannot set privileges: " + ids.error().message);
    as_user.emplace(std::move(*ids));
  }

  if (maildir) {
    auto done = mail::deliver_maildir(path, d.copy(mail::maildir_copy_flags()), user.uid, user.gid);
    if (!done) return mail::mailbox_write_failure(done.error(), "");
    return sent("delivered to maildir");
  }
  mail::MboxOptions options;
  options.owner = user.uid;
  options.group = user.gid;
  auto done = mail::append_mbox(path, d.copy(mail::mbox_copy_flags()), d.settings.locking, options);
  if (!done)
    return mail::mailbox_write_failure(
        done.error(), "cannot update mailbox " + path + " for user " + user.name + ". ");
  return sent("delivered to mailbox");
}

Outcome deliver_file(const Delivery& d) {
  const std::string& path = d.action.value;
  auto ids = util::EffectiveIds::switch_to(d.action.privs.uid, d.action.privs.gid);
  if (!ids) return deferred("4.3.0", "cannot set privileges: " + ids.error().message);
  mail::MailCopyFlags flags =
      path.ends_with('/') ? mail::maildir_copy_flags() : mail::mbox_copy_flags();
  flags.delivered = d.settings.prepend_delivered_file;
  if (path.ends_with('/')) {
    auto done = mail::deliver_maildir(path, d.copy(flags), d.action.privs.uid, d.action.privs.gid);
    if (!done) return mail::mailbox_write_failure(done.error(), "");
    return sent("delivered to maildir: " + path);
  }
  mail::MboxOptions options;
  options.owner = d.action.privs.uid;
  options.group = d.action.privs.gid;
  options.check_owner = false;  // any file the privileges may write
  options.dotlock_may_fail = true;
  auto done = mail::append_mbox(path, d.copy(flags), d.settings.locking, options);
  if (!done)
    return mail::mailbox_write_failure(done.error(),
                                       "cannot append message to file " + path + ": ");
  return sent("delivered to file: " + path);
}

}  // namespace local
