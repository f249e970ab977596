// scache::ScacheTable: the scache daemon's state without I/O: open
// connections (fds) saved by SMTP clients under an endpoint label (the
// server address, port and properties), and destination labels (a domain or
// next hop) that point at an endpoint label, each with a time to live.
// Time is passed in, so tests do not wait. Users: scache_service.cc and
// tests/unit/scache.
// Easy to get wrong: a found connection is handed over (removed from the
// cache; the fd moves to the caller), so two clients never share one; an
// expired connection must be closed, not leaked; and the number of open
// connections is bounded (the oldest is closed to make room).
#pragma once

#include <ctime>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libutil/fd.h"

namespace scache {

struct Found {
  std::string dest_prop;  // find_dest only
  std::string endp_label;
  std::string endp_prop;
  util::Fd fd;
};

class ScacheTable {
 public:
  explicit ScacheTable(std::size_t max_sessions);

  // Cache an open connection; `expires` is an absolute time.
  void save_endp(const std::string& label, std::string prop, util::Fd fd, std::time_t expires,
                 std::time_t now);
  // Take the most recently saved live connection for this endpoint.
  std::optional<Found> find_endp(const std::string& label, std::time_t now);
  // Remember that `dest` was served by endpoint `endp_label`.
  void save_dest(const std::string& dest, std::string dest_prop, std::string endp_label,
                 std::time_t expires, std::time_t now);
  // The destination's endpoint and a connection to it, taken out of the cache.
  std::optional<Found> find_dest(const std::string& dest, std::time_t now);
  // Close expired connections, forget expired destinations.
  void expire(std::time_t now);

  // "statistics: ..." lines for the interval since the start (or the last
  // call), then a new interval starts at `now`.
  std::vector<std::string> statistics(std::time_t now);

  std::size_t sessions() const { return session_count_; }
  std::size_t destinations() const { return dests_.size(); }
  std::size_t endpoints() const { return endps_.size(); }
  void set_start(std::time_t now) { start_ = now; }

 private:
  struct Session {
    std::string prop;
    util::Fd fd;
    std::time_t expires = 0;
    unsigned long serial = 0;  // save order, for closing the oldest first
  };
  struct Dest {
    std::string prop;
    std::string endp_label;
    std::time_t expires = 0;
  };

  void evict_oldest();
  void note_sizes();

  std::size_t max_sessions_;
  std::map<std::string, std::deque<Session>> endps_;  // newest at the back
  std::map<std::string, Dest> dests_;
  std::size_t session_count_ = 0;
  unsigned long serial_ = 0;

  std::time_t start_ = 0;
  int dest_hits_ = 0, dest_miss_ = 0, endp_hits_ = 0, endp_miss_ = 0;
  std::size_t max_dests_ = 0, max_endps_ = 0, max_sessions_seen_ = 0;
};

}  // namespace scache
