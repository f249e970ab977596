// The error delivery agent (Postfix's error(8)): qmgr sends it recipients
// whose transport is "error" or "retry" (transport_maps entries such as
// "error:5.1.1 mailbox closed", virtual alias domains without a match,
// defer_transports). Every recipient of the request gets the same outcome:
//   service `error` (and any other name): bounced, dsn from the next hop's
//       leading code or 5.0.0;
//   service `retry`: deferred, dsn from the code or 4.0.0.
// The reason is the next hop text without its code. Each recipient is
// logged as "ID: to=<..>, relay=none, delay=.., delays=.., dsn=.., status=..
// (TEXT)".
// Easy to get wrong: the log name is the program ("postfix/error") even
// when master runs it as `retry`; a code of the wrong class is replaced
// (5.0.0 / 4.0.0) with Postfix's warning, never passed on.
#pragma once

#include <string_view>

#include "libmail/delivery_request.h"

namespace error_agent {

// The outcome for every recipient of `request`, logged; `service` is the
// master.cf service name (-n).
mail::DeliveryReply deliver(const mail::DeliveryRequest& request, std::string_view service);

int run(int argc, char** argv);

}  // namespace error_agent
