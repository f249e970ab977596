// Where a message's bounce/defer/trace log lives and how a block is added:
// bounce/ID, defer/H/ID, trace/H/ID (hashed as hash_queue_names says),
// mode 0600, appended and fsynced before the append request is answered.
// Easy to get wrong: several bounce processes may append to one file at
// once; O_APPEND with one write per block keeps blocks whole.
#pragma once

#include <string>
#include <string_view>

#include "libmail/bounce_client.h"
#include "libutil/error.h"

namespace conf {
class Config;
}

namespace bounce {

// Relative to queue_directory (the daemon's working directory).
std::string log_path(const conf::Config& config, std::string_view service,
                     std::string_view queue_id);

util::Result<void> append_log_entry(const std::string& path, const mail::BounceLogEntry& entry);

}  // namespace bounce
