// Settings every daemon that runs outside commands reads alike (spawn,
// pipe, local's "|command" and mailbox_command).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"

namespace mail {

// export_environment as "NAME=value" entries for a command's clean
// environment: a NAME takes our value (skipped when unset), a NAME=value
// entry is used as written.
std::vector<std::string> exported_environment(const conf::Config& config);

// SERVICE_time_limit when main.cf (or -o) sets it, else
// command_time_limit. Fatal on a bad value, in Postfix's words.
std::chrono::seconds service_time_limit(const conf::Config& config, std::string_view service);

}  // namespace mail
