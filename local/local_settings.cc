#include "local/local_settings.h"

#include <algorithm>

#include "libmail/command_settings.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "libutil/strings.h"

namespace local {
namespace {

bool has(const std::vector<std::string>& list, std::string_view word) {
  return std::ranges::any_of(list, [&](const std::string& w) { return util::iequals(w, word); });
}

}  // namespace

Settings load_settings(const conf::Config& config) {
  Settings s;
  s.alias_maps = config.get("alias_maps");
  s.forward_path = config.raw("forward_path").value_or("");
  s.mailbox_command = config.raw("mailbox_command").value_or("");
  s.home_mailbox = config.get("home_mailbox");
  s.mail_spool_directory = config.get("mail_spool_directory");
  s.locking = mail::load_mbox_locking(config, "mailbox_delivery_lock", "mailbox_size_limit");
  s.allow_commands = config.get_list("allow_mail_to_commands");
  s.allow_files = config.get_list("allow_mail_to_files");
  s.command_time_limit = std::chrono::seconds(config.get_time("command_time_limit"));
  s.export_environment = mail::exported_environment(config);
  auto prepend = config.get_list("prepend_delivered_header");
  s.prepend_delivered_command = has(prepend, "command");
  s.prepend_delivered_file = has(prepend, "file");
  s.prepend_delivered_forward = has(prepend, "forward");
  s.enable_original_recipient = config.get_bool("enable_original_recipient");

  s.expand.recipient_delimiter = config.get("recipient_delimiter");
  s.expand.luser_relay = config.get("luser_relay");
  s.expand.myorigin = config.get("myorigin");
  std::string privs = config.get("default_privs");
  auto pw = util::lookup_user(privs);
  if (!pw || !*pw) util::msg_fatal("unknown default_privs user: " + privs);
  if ((*pw)->uid == 0) util::msg_fatal("default_privs user must not be root: " + privs);
  s.expand.default_privs = mail::LocalPrivs{(*pw)->uid, (*pw)->gid};
  return s;
}

}  // namespace local
