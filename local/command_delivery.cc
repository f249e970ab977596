#include "local/command_delivery.h"

#include <unistd.h>

#include "libmail/command_status.h"
#include "libutil/child_process.h"

namespace local {

Outcome command_outcome(const std::string& command, const util::CommandResult& result) {
  Outcome st = mail::command_status(command, result);
  if (st.status == mail::DeliveryStatus::kSent) return sent("delivered to command: " + command);
  return st;
}

Outcome deliver_command(const Delivery& d, const std::string& command, uid_t uid, gid_t gid,
                        const util::UserInfo& user) {
  mail::MailCopyFlags flags;
  flags.from_line = flags.return_path = flags.orig_rcpt = true;
  flags.delivered = d.settings.prepend_delivered_command;

  util::CommandOptions o;
  o.spawn.argv = {"/bin/sh", "-c", command};
  std::vector<std::string> env{
      "HOME=" + user.home,
      "USER=" + user.name,
      "SHELL=" + user.shell,
      "LOGNAME=" + user.name,
      "PATH=/usr/bin:/bin",
      "LOCAL=" + d.action.local,
      "DOMAIN=" + d.action.domain,
      "RECIPIENT=" + d.action.address,
      "SENDER=" + d.action.sender,
      "ORIGINAL_RECIPIENT=" +
          (d.recipient.orig_rcpt.empty() ? d.recipient.address : d.recipient.orig_rcpt)};
  if (!d.action.extension.empty()) env.push_back("EXTENSION=" + d.action.extension);
  env.insert(env.end(), d.settings.export_environment.begin(), d.settings.export_environment.end());
  o.spawn.env = env;
  o.spawn.uid = uid;
  o.spawn.gid = gid;
  o.spawn.new_process_group = true;
  // The home directory when it is there, else "/", as a login would.
  o.spawn.cwd = (!user.home.empty() && ::access(user.home.c_str(), X_OK) == 0) ? user.home : "/";
  o.stdin_data = d.copy(flags);
  o.time_limit = d.settings.command_time_limit;
  auto result = util::run_command(o);
  if (!result)
    return deferred("4.3.0", "mail system configuration error: " + result.error().message);
  return command_outcome(command, *result);
}

}  // namespace local
