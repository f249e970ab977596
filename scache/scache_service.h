// The scache daemon: master.cf's `scache unix - - y - 1 scache`, one
// multi-client process holding open SMTP connections for all smtp
// processes (scache_table.h), so a connection outlives the delivery agent
// process that opened it. Protocol: libmail/scache_client.h. Time limits:
// a client asks for a time to live (smtp_connection_cache_time_limit), the
// daemon caps it at connection_cache_ttl_limit; statistics lines every
// connection_cache_status_update_time and at exit, as Postfix's scache.
// Easy to get wrong: the fd of save_endp follows the request on the socket,
// and must be taken with recv_fd before anything else reads that socket.
#pragma once

#include <ctime>

#include "libmail/attr.h"
#include "libutil/stream.h"
#include "scache/scache_table.h"

namespace scache {

// Open connections held at most (Postfix has no parameter: the process's
// descriptor limit is the bound there).
inline constexpr std::size_t kMaxSessions = 1000;

struct Settings {
  long ttl_limit = 2;                  // connection_cache_ttl_limit
  std::chrono::seconds fd_timeout{5};  // connection_cache_protocol_timeout
};

// Read one request from `client`, answer it (passing an fd where the
// protocol says so). False: close the connection.
bool serve_request(util::Stream& client, ScacheTable& table, const Settings& settings);

int run(int argc, char** argv);

}  // namespace scache
