// anvil::AnvilTable: the anvil daemon's state, without any I/O: per ident
// ("service:address") the number of connections now and the connection,
// message, recipient, new-TLS-session and AUTH rates in the current time
// unit, which connections each client (smtpd process) registered, and the
// extremes for the statistics lines. Time is passed in, so unit tests run
// without waiting. Users: anvil_service.cc and tests/unit/anvil.
// Rates work as Postfix's anvil: a fixed window that starts at the first
// event of an ident and resets (all rates at once) at the first event after
// `time_unit` seconds have passed. An ident without connections is removed
// `time_unit` seconds after its last connection ended (expire()).
// Easy to get wrong: a client that goes away (smtpd exits or crashes) must
// give back every connection it registered, or counts stay up for ever; and
// the table is bounded: when full, idle idents go first, and when nothing
// is idle a new ident is refused (the caller answers "fail", smtpd allows).
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace anvil {

using ClientId = std::uint64_t;

struct Counters {
  int count = 0;  // simultaneous connections
  int rate = 0;   // connections this time unit
  int message = 0;
  int recipient = 0;
  int newtls = 0;
  int auth = 0;
};

class AnvilTable {
 public:
  AnvilTable(long time_unit, std::size_t max_entries);

  // nullopt: the table is full of active idents (refuse the request).
  std::optional<Counters> connect(ClientId client, const std::string& ident, std::time_t now);
  // Only undoes a connect this client made; anything else is ignored.
  void disconnect(ClientId client, const std::string& ident, std::time_t now);
  enum class Event { kMessage, kRecipient, kNewTls, kAuth };
  // The rate after counting this event; nullopt when the table is full.
  std::optional<int> event(Event what, const std::string& ident, std::time_t now);
  // The new TLS session rate without counting one (0 for an unknown ident).
  int newtls_report(const std::string& ident, std::time_t now);
  // Everything known about an ident (all zero when unknown).
  Counters lookup(const std::string& ident, std::time_t now);
  // The client's connection to anvil closed: drop all its connections.
  void client_gone(ClientId client, std::time_t now);
  // Remove idents that have been without connections for time_unit.
  void expire(std::time_t now);

  // "statistics: ..." texts for the extremes seen since the last call (in
  // Postfix's order and words), which are then reset.
  std::vector<std::string> statistics();

  std::size_t size() const { return remotes_.size(); }
  long time_unit() const { return time_unit_; }

 private:
  struct Remote {
    Counters c;
    std::time_t start = 0;    // start of the current rate window
    std::time_t expires = 0;  // when count is 0: removal time
  };
  struct Max {
    int value = 0;
    std::string ident;
    std::time_t when = 0;
  };

  Remote* find_or_add(const std::string& ident, std::time_t now);
  void reset_window(Remote& r, std::time_t now);
  void set_idle(const std::string& ident, Remote& r, std::time_t now);
  void set_busy(const std::string& ident, Remote& r);
  void note(Max& max, int value, const std::string& ident, std::time_t now);
  void drop_connections(const std::string& ident, int n, std::time_t now);

  long time_unit_;
  std::size_t max_entries_;
  std::unordered_map<std::string, Remote> remotes_;
  std::set<std::pair<std::time_t, std::string>> idle_;      // (expires, ident) of count-0 idents
  std::map<ClientId, std::map<std::string, int>> clients_;  // who registered what
  Max max_rate_, max_count_, max_message_, max_recipient_, max_newtls_, max_auth_, max_size_;
};

}  // namespace anvil
