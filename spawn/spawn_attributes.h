// What a spawn service runs, from master.cf's command column after the
// options: "user=name[:group] argv=command args...". Read once at start.
// Easy to get wrong: argv= takes every word after it, options included;
// the command must never run as root, as the mail system owner, or with
// their groups (the mistakes Postfix refuses with the messages used here).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "libutil/error.h"

namespace spawn_agent {

struct SpawnAttributes {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<std::string> argv;
};

// The identities the command must not take.
struct ForbiddenIds {
  uid_t owner_uid = 0;
  gid_t owner_gid = 0;
};

util::Result<SpawnAttributes> parse_spawn_attributes(const std::vector<std::string>& args,
                                                     const ForbiddenIds& forbidden);

}  // namespace spawn_agent
