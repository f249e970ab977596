// The discard delivery agent (Postfix's discard(8)): recipients routed to
// transport "discard" (transport_maps "discard:reason", header/body checks
// do not come here) are reported delivered without touching the content.
// Each is logged "ID: to=<..>, relay=none, delay=.., delays=.., dsn=2.0.0,
// status=sent (NEXTHOP)"; the next hop is the reason, with an optional
// leading 2.x.x code.
// Easy to get wrong: a code of another class in the next hop is replaced
// by 2.0.0 with Postfix's warning ("sent: ignoring dsn code ..."); an
// empty next hop still gives a result for every recipient.
#pragma once

#include "libmail/delivery_request.h"

namespace discard_agent {

mail::DeliveryReply deliver(const mail::DeliveryRequest& request);

int run(int argc, char** argv);

}  // namespace discard_agent
