// The proxymap daemon: the `proxymap` and `proxywrite` services of
// master.cf (private/proxymap, private/proxywrite; multi-client). It looks
// up (proxywrite: also changes) tables on behalf of other processes, so a
// table is opened once per proxymap process instead of once per client.
// The service name picks the mode: proxywrite (proxywrite_service_name)
// serves proxy_write_maps and accepts updates, any other name serves
// proxy_read_maps read-only.
//
// Protocol (ours; libmail/attr.h framing, libmail/proxymap_client.h is the
// client), any number of requests per connection, one reply each:
//   {request=open,   table=TYPE:NAME, flags}       -> {status}
//   {request=lookup, table, flags, key}            -> {status, value}
//   {request=update, table, flags, key, value}     -> {status}   proxywrite only
//   {request=delete, table, flags, key}            -> {status}   proxywrite only
// status: 0 found/done, 1 not found, 2 temporary error (the table cannot be
// opened or searched now), 3 bad request (missing attribute, table not
// approved, update on the read-only service, unknown request).
// flags: libmail/proxymap_client.h's kProxyFlag* bits (case folding, UTF-8).
// A message that does not parse closes that connection (warning logged);
// the process goes on serving its other clients.
// Easy to get wrong: never answer "not found" when the table could not be
// read (status 2), or mail that should wait would bounce.
#pragma once

#include "libutil/stream.h"
#include "proxymap/table_access.h"

namespace proxymap {

// One request from `client`, one answer. False: the client went away or
// spoke garbage; close the connection.
bool serve_request(util::Stream& client, TableAccess& tables);

int run(int argc, char** argv);

}  // namespace proxymap
