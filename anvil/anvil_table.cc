#include "anvil/anvil_table.h"

#include <climits>

#include "libmail/mail_date.h"

namespace anvil {
namespace {

void bump(int& v) {
  if (v < INT_MAX) ++v;
}

}  // namespace

AnvilTable::AnvilTable(long time_unit, std::size_t max_entries)
    : time_unit_(time_unit > 0 ? time_unit : 1), max_entries_(max_entries > 0 ? max_entries : 1) {}

void AnvilTable::note(Max& max, int value, const std::string& ident, std::time_t now) {
  if (value > max.value) {
    max.value = value;
    max.ident = ident;
    max.when = now;
  }
}

AnvilTable::Remote* AnvilTable::find_or_add(const std::string& ident, std::time_t now) {
  expire(now);
  if (auto it = remotes_.find(ident); it != remotes_.end()) return &it->second;
  if (remotes_.size() >= max_entries_) {
    // Make room by forgetting the idle ident closest to expiry.
    if (idle_.empty()) return nullptr;
    remotes_.erase(idle_.begin()->second);
    idle_.erase(idle_.begin());
  }
  Remote& r = remotes_[ident];
  r.start = now;
  note(max_size_, static_cast<int>(std::min<std::size_t>(remotes_.size(), INT_MAX)), ident, now);
  set_idle(ident, r, now);
  return &r;
}

void AnvilTable::reset_window(Remote& r, std::time_t now) {
  if (r.start + time_unit_ < now) {
    r.start = now;
    r.c.rate = r.c.message = r.c.recipient = r.c.newtls = r.c.auth = 0;
  }
}

void AnvilTable::set_idle(const std::string& ident, Remote& r, std::time_t now) {
  r.expires = now + time_unit_;
  idle_.emplace(r.expires, ident);
}

void AnvilTable::set_busy(const std::string& ident, Remote& r) {
  if (r.c.count == 0) idle_.erase({r.expires, ident});
}

std::optional<Counters> AnvilTable::connect(ClientId client, const std::string& ident,
                                            std::time_t now) {
  Remote* r = find_or_add(ident, now);
  if (!r) return std::nullopt;
  reset_window(*r, now);
  set_busy(ident, *r);
  bump(r->c.rate);
  bump(r->c.count);
  bump(clients_[client][ident]);
  note(max_rate_, r->c.rate, ident, now);
  note(max_count_, r->c.count, ident, now);
  return r->c;
}

void AnvilTable::drop_connections(const std::string& ident, int n, std::time_t now) {
  auto it = remotes_.find(ident);
  if (it == remotes_.end()) return;
  Remote& r = it->second;
  if (r.c.count == 0) return;
  r.c.count = n >= r.c.count ? 0 : r.c.count - n;
  if (r.c.count == 0) set_idle(ident, r, now);
}

void AnvilTable::disconnect(ClientId client, const std::string& ident, std::time_t now) {
  auto c = clients_.find(client);
  if (c == clients_.end()) return;
  auto mine = c->second.find(ident);
  if (mine == c->second.end()) return;
  if (--mine->second <= 0) c->second.erase(mine);
  if (c->second.empty()) clients_.erase(c);
  drop_connections(ident, 1, now);
}

void AnvilTable::client_gone(ClientId client, std::time_t now) {
  auto c = clients_.find(client);
  if (c == clients_.end()) return;
  for (const auto& [ident, n] : c->second) drop_connections(ident, n, now);
  clients_.erase(c);
}

std::optional<int> AnvilTable::event(Event what, const std::string& ident, std::time_t now) {
  Remote* r = find_or_add(ident, now);
  if (!r) return std::nullopt;
  reset_window(*r, now);
  switch (what) {
    case Event::kMessage:
      bump(r->c.message);
      note(max_message_, r->c.message, ident, now);
      return r->c.message;
    case Event::kRecipient:
      bump(r->c.recipient);
      note(max_recipient_, r->c.recipient, ident, now);
      return r->c.recipient;
    case Event::kNewTls:
      bump(r->c.newtls);
      note(max_newtls_, r->c.newtls, ident, now);
      return r->c.newtls;
    case Event::kAuth:
      bump(r->c.auth);
      note(max_auth_, r->c.auth, ident, now);
      return r->c.auth;
  }
  return std::nullopt;
}

int AnvilTable::newtls_report(const std::string& ident, std::time_t now) {
  return lookup(ident, now).newtls;
}

Counters AnvilTable::lookup(const std::string& ident, std::time_t now) {
  expire(now);
  auto it = remotes_.find(ident);
  if (it == remotes_.end()) return {};
  reset_window(it->second, now);
  return it->second.c;
}

void AnvilTable::expire(std::time_t now) {
  while (!idle_.empty() && idle_.begin()->first <= now) {
    remotes_.erase(idle_.begin()->second);
    idle_.erase(idle_.begin());
  }
}

std::vector<std::string> AnvilTable::statistics() {
  std::vector<std::string> out;
  const std::string unit = "/" + std::to_string(time_unit_) + "s";
  auto rate_line = [&](Max& m, const char* what) {
    if (m.value > 0)
      out.push_back(std::string("statistics: max ") + what + " " + std::to_string(m.value) + unit +
                    " for (" + m.ident + ") at " + mail::stats_time(m.when));
    m = Max{};
  };
  rate_line(max_rate_, "connection rate");
  if (max_count_.value > 0)
    out.push_back("statistics: max connection count " + std::to_string(max_count_.value) +
                  " for (" + max_count_.ident + ") at " + mail::stats_time(max_count_.when));
  max_count_ = Max{};
  rate_line(max_message_, "message rate");
  rate_line(max_recipient_, "recipient rate");
  rate_line(max_newtls_, "newtls rate");
  rate_line(max_auth_, "auth rate");
  if (max_size_.value > 0)
    out.push_back("statistics: max cache size " + std::to_string(max_size_.value) + " at " +
                  mail::stats_time(max_size_.when));
  max_size_ = Max{};
  return out;
}

}  // namespace anvil
