// The anvil daemon: master.cf's `anvil unix - - y - 1 anvil`, one
// multi-client process that every smtpd keeps a connection to. It counts,
// per "service:client_address", simultaneous connections and the rates of
// connections, messages, recipients, new TLS sessions and AUTH commands
// (anvil_table.h), answers with the numbers, and logs the extremes as
// "statistics: ..." lines every anvil_status_update_time and at exit.
// Protocol: libmail/anvil_client.h.
// Easy to get wrong: the process must outlive its time unit (Postfix raises
// max_idle to anvil_rate_time_unit and drops max_use), or rates would reset
// whenever smtpd is quiet; and a client that disconnects gives back its
// connections (on_disconnect hook of the multi-client skeleton).
#pragma once

#include <ctime>

#include "anvil/anvil_table.h"
#include "libmail/attr.h"
#include "libutil/stream.h"

namespace anvil {

// The upper bound on idents held at once (Postfix has no parameter; each
// costs well under 200 bytes).
inline constexpr std::size_t kMaxIdents = 100000;

// One request, one reply (status 1 for anything unknown or malformed).
mail::AttrList handle_request(AnvilTable& table, ClientId client, const mail::AttrList& request,
                              std::time_t now);

// Read one request from `client`, answer it. False: close the connection.
bool serve_request(util::Stream& client, AnvilTable& table);

// The ClientId anvil uses for a client connection.
ClientId client_id(const util::Stream& client);

int run(int argc, char** argv);

}  // namespace anvil
