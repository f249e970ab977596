// Where a Postern service listens and how a client reaches it. Daemons run
// with the queue directory as their working directory (chrooted or not), so
// they use the relative path "private/bounce"; commands (postqueue,
// sendmail, tests) run anywhere and use $queue_directory/public/showq.
// Users: every client of an internal protocol (cleanup, delivery, bounce,
// showq, rewrite, triggers to pickup/qmgr).
// Easy to get wrong: a relative path only works after daemon_enter_jail
// (cwd = queue_directory); a command must pass the config to get the
// absolute one.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace conf {
class Config;
}

namespace mail {

// "private/NAME" or "public/NAME" (klass is "private" or "public").
std::string service_path(std::string_view klass, std::string_view name);
// "$queue_directory/public/NAME".
std::string service_path(const conf::Config& config, std::string_view klass, std::string_view name);

// Connect to a UNIX stream endpoint; the Stream's deadline is `timeout`.
util::Result<util::Stream> connect_service(const std::string& path,
                                           std::chrono::seconds timeout);

}  // namespace mail
