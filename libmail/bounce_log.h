// Reading a bounce/defer/trace log (bounce/ID, defer/H/ID, trace/H/ID) back
// into the entries format_bounce_log_entry() wrote (compat/queue.md §5).
// Used by the bounce daemon to build notices, and by anything that shows a
// deferral reason (postqueue -p reads `reason`).
// Easy to get wrong: the file is written by another process and may end in
// a torn block (crash mid-append) or carry junk; every line and the number
// of entries have a bound, and a bad block is skipped with a warning naming
// the file, never taken as a partial recipient.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/bounce_client.h"
#include "libutil/error.h"

namespace mail {

struct BounceLogLimits {
  std::size_t max_line = 100 * 1024;  // one name=value line
  std::size_t max_entries = 100000;   // blocks kept; the rest are dropped
};

struct BounceLogParse {
  std::vector<BounceLogEntry> entries;
  std::vector<std::string> warnings;  // one per skipped block, naming `source`
};

// `source` names the file in the warnings ("bounce/ABC123").
BounceLogParse parse_bounce_log(std::string_view text, std::string_view source,
                                const BounceLogLimits& limits = {});

// Read and parse a log file; a missing file is an error with errno ENOENT.
util::Result<BounceLogParse> read_bounce_log(const std::string& path,
                                             const BounceLogLimits& limits = {});

}  // namespace mail
