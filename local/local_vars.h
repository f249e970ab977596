// $name expansion for forward_path and mailbox_command: $user, $home,
// $shell, $recipient, $extension, $domain, $local, $recipient_delimiter and
// the ${name?text}/${name:text} forms, done per delivery with the main.cf
// expansion engine on a copy of the configuration.
// Users: local/forward_file, local/mailbox_delivery.
// Easy to get wrong: these names are not main.cf parameters; an empty
// extension must make ${extension} empty so ".forward${recipient_delimiter}
// ${extension}" collapses to the plain ".forward" (and is then skipped as a
// duplicate of the next forward_path element).
#pragma once

#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libmail/local_expand.h"
#include "libutil/error.h"

namespace local {

util::Result<std::string> expand_local_vars(const conf::Config& config, std::string_view text,
                                            const util::UserInfo& user,
                                            const mail::LocalAction& action,
                                            std::string_view extension);

}  // namespace local
