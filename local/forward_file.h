// Reading .forward files (forward_path, per user and extension) and
// :include: files, with the privileges of the user they belong to.
// Users: local/local_service (hooks of mail::expand_local_recipient).
// Easy to get wrong: files are opened AS the user (so a .forward can only
// name what the user may read) and without following symlinks owned by
// someone else; a .forward not owned by the user (or root) is ignored, as
// Postfix ignores it; a missing file is "none", not an error.
#pragma once

#include <optional>
#include <string>

#include "libconf/config.h"
#include "libmail/local_expand.h"
#include "libutil/error.h"

namespace local {

util::Result<std::optional<std::string>> read_forward_file(const conf::Config& config,
                                                           const std::string& forward_path,
                                                           const util::UserInfo& user,
                                                           std::string_view extension);

util::Result<std::string> read_include_file(const std::string& path, const mail::LocalPrivs& privs,
                                            mail::LocalPrivs& owner);

}  // namespace local
