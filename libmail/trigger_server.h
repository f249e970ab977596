// Trigger server skeleton: serves short wake-up requests ("W" from master's
// wakeup timer or postdrop, "FADI" from postqueue -f), for pickup and qmgr.
// A request is what one client writes before closing (at most 1024 bytes,
// the trailing NUL included as sent); for a fifo endpoint, what one read
// returns. Requests that arrive while the handler runs are served after it.
// See server_skeleton.h for the life cycle.
//
//   mail::trigger_server_main(argc, argv, "pickup",
//       [](std::string_view request, mail::Daemon& d) { scan_maildrop(d); });
//
// Easy to get wrong: a trigger carries no reply and no guarantee: the
// handler must do a full scan, not rely on one trigger per event.
#pragma once

#include <functional>
#include <string_view>

#include "libmail/server_skeleton.h"

namespace mail {

using TriggerHandler = std::function<void(std::string_view request, Daemon& daemon)>;

[[noreturn]] void trigger_server_main(int argc, char** argv, std::string_view program,
                                      const TriggerHandler& handler,
                                      const ServerHooks& hooks = {});

}  // namespace mail
