// The trivial-rewrite daemon: the `rewrite` service of master.cf
// (private/rewrite, multi-client), a socket front end to mail::Resolver
// (libmail/resolve.h) for processes that do not resolve in-process.
//
// Protocol (libmail/attr.h framing), any number of requests per connection:
//   {request=rewrite, rule=local|remote, address=ADDR}
//       -> {flags=0, address=REWRITTEN}          (rewrite_address)
//   {request=resolve, sender=SENDER, address=ADDR}
//       -> {flags, transport, nexthop, recipient} (resolve_address)
//   "verify" is accepted as a synonym of "resolve" (address probes).
// flags are libmail/resolve.h's kResolve* bits, which are Postfix's
// RESOLVE_* values. Any other request is logged and the connection closed.
// Easy to get wrong: the Resolver opens its tables (transport_maps,
// relay_domains as a table, ...) before the chroot; a lookup that fails
// later is answered with kResolveFlagFail, never by dropping the client.
#pragma once

#include "libmail/resolve.h"
#include "libutil/stream.h"

namespace trivial_rewrite {

// One request from `client`, one answer. False: the client went away or
// spoke garbage; close the connection.
bool serve_request(util::Stream& client, const mail::Resolver& resolver);

int run(int argc, char** argv);

}  // namespace trivial_rewrite
