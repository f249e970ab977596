#include "local/local_vars.h"

namespace local {

util::Result<std::string> expand_local_vars(const conf::Config& config, std::string_view text,
                                            const util::UserInfo& user,
                                            const mail::LocalAction& action,
                                            std::string_view extension) {
  conf::Config scope = config;
  scope.set_override("user", user.name);
  scope.set_override("home", user.home);
  scope.set_override("shell", user.shell);
  scope.set_override("recipient", action.address);
  scope.set_override("extension", extension);
  scope.set_override("domain", action.domain);
  scope.set_override("local", action.local);
  scope.set_override("mailbox", user.name);
  // Postfix leaves ${recipient_delimiter} empty when there is no extension.
  if (extension.empty()) scope.set_override("recipient_delimiter", "");
  return scope.expand_text(text);
}

}  // namespace local
