// Single-client server skeleton: one client at a time per process (smtpd,
// local, smtp). master starts more processes when all are busy, up to the
// service's process limit. See server_skeleton.h for the life cycle.
//
//   int main(int argc, char** argv) {
//     mail::single_server_main(argc, argv, "smtpd", [](util::Stream& client, mail::Daemon& d) {
//       ... serve one connection; return when done ...
//     });
//   }
//
// Easy to get wrong: the Stream's deadline starts as ipc_timeout; a
// protocol with its own limit (smtpd_timeout) sets it itself. Output left
// unflushed when the handler returns is flushed by the skeleton.
#pragma once

#include <functional>
#include <string_view>

#include "libmail/server_skeleton.h"
#include "libutil/stream.h"

namespace mail {

using SingleHandler = std::function<void(util::Stream& client, Daemon& daemon)>;

[[noreturn]] void single_server_main(int argc, char** argv, std::string_view program,
                                     const SingleHandler& handler, const ServerHooks& hooks = {});

}  // namespace mail
