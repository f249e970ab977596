// mail::check_config_dir: the rule Postfix's set-gid and user commands
// (sendmail, postdrop) apply to -C / -c / MAIL_CONFIG: a user other than
// root may name only the default directory or one that the default main.cf
// lists in alternate_config_directories or multi_instance_directories.
// Easy to get wrong: a private main.cf could point command_directory or
// queue_directory anywhere, and postdrop runs with the postdrop group; the
// default directory is the compiled-in one, never $MAIL_CONFIG itself.
#pragma once

#include <string>

namespace mail {

// Returns when allowed; otherwise prints Postfix's "error: unauthorized
// configuration directory name: DIR" and dies with "specify
// \"alternate_config_directories = DIR\" or ... in DEFAULT/main.cf".
void check_config_dir(const std::string& dir);

}  // namespace mail
