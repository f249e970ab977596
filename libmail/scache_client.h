// mail::ScacheClient: the client side of the scache service (private/scache),
// the shared cache of open SMTP connections. The smtp client saves a
// connection it is done with (the socket's fd travels over the UNIX socket
// with SCM_RIGHTS) under its endpoint label, and records which endpoint
// served a destination; a later delivery to that destination or endpoint,
// in any smtp process, takes the connection back. Users: the smtp delivery
// agent and the tests; the daemon is scache/.
// Protocol (ours; libmail/attr.h framing), one exchange per request:
//   save_endp: C {request=save_endp, ttl, label, prop}  S {status}
//              (0: send it) C the fd  S {status}
//   find_endp: C {request=find_endp, label}  S {status, prop}
//              (0: found) C {request=ready}  S the fd
//   save_dest: C {request=save_dest, ttl, label, prop, endp_label}  S {status}
//   find_dest: C {request=find_dest, label}
//              S {status, prop, endp_label, endp_prop}  (0: found)
//              C {request=ready}  S the fd
// status 0 ok (found), 1 not found / refused.
// Easy to get wrong: a plain read() on a UNIX stream socket swallows (and
// closes) a descriptor that arrives behind ordinary data, so an fd is only
// ever sent once the receiver has asked for it and reads nothing else
// before util::recv_fd: hence the extra round trip. A saved fd is the
// cache's (the caller closes its own copy), a found one is the caller's.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/attr.h"
#include "libutil/error.h"
#include "libutil/fd.h"
#include "libutil/stream.h"

namespace mail {

struct CachedConnection {
  std::string dest_prop;  // find_dest only
  std::string endp_label;
  std::string endp_prop;
  util::Fd fd;
};

class ScacheClient {
 public:
  // `path`: "private/scache" from a daemon, absolute elsewhere. Connects on
  // first use, again after an error; `timeout` bounds every step
  // (connection_cache_protocol_timeout).
  ScacheClient(std::string path, std::chrono::seconds timeout);

  // ttl in seconds (the server caps it at connection_cache_ttl_limit).
  util::Result<void> save_endp(std::chrono::seconds ttl, std::string_view label,
                               std::string_view prop, int fd);
  util::Result<std::optional<CachedConnection>> find_endp(std::string_view label);
  util::Result<void> save_dest(std::chrono::seconds ttl, std::string_view label,
                               std::string_view prop, std::string_view endp_label);
  util::Result<std::optional<CachedConnection>> find_dest(std::string_view label);

 private:
  util::Result<util::Stream*> stream();
  util::Result<util::Fd> take_fd(util::Stream& s);
  // A find request: the reply's attributes and the cached descriptor, or
  // nothing when the server has no connection for the label.
  struct Found {
    AttrList reply;
    util::Fd fd;
  };
  util::Result<std::optional<Found>> find(std::string_view request, std::string_view label);
  template <typename T>
  T lost(T error);

  std::string path_;
  std::chrono::seconds timeout_;
  std::optional<util::Stream> stream_;
};

}  // namespace mail
