#include "scache/scache_table.h"

#include <algorithm>

#include "libmail/mail_date.h"

namespace scache {
namespace {

int percent(int hits, int miss) { return hits + miss > 0 ? hits * 100 / (hits + miss) : 0; }

}  // namespace

ScacheTable::ScacheTable(std::size_t max_sessions)
    : max_sessions_(std::max<std::size_t>(1, max_sessions)) {}

void ScacheTable::note_sizes() {
  max_dests_ = std::max(max_dests_, dests_.size());
  max_endps_ = std::max(max_endps_, endps_.size());
  max_sessions_seen_ = std::max(max_sessions_seen_, session_count_);
}

void ScacheTable::evict_oldest() {
  auto oldest = endps_.end();
  for (auto it = endps_.begin(); it != endps_.end(); ++it) {
    if (oldest == endps_.end() || it->second.front().serial < oldest->second.front().serial)
      oldest = it;
  }
  if (oldest == endps_.end()) return;
  oldest->second.pop_front();  // closes the fd
  --session_count_;
  if (oldest->second.empty()) endps_.erase(oldest);
}

void ScacheTable::save_endp(const std::string& label, std::string prop, util::Fd fd,
                            std::time_t expires, std::time_t now) {
  expire(now);
  while (session_count_ >= max_sessions_) evict_oldest();
  endps_[label].push_back(Session{std::move(prop), std::move(fd), expires, ++serial_});
  ++session_count_;
  note_sizes();
}

std::optional<Found> ScacheTable::find_endp(const std::string& label, std::time_t now) {
  expire(now);
  auto it = endps_.find(label);
  if (it == endps_.end()) {
    ++endp_miss_;
    return std::nullopt;
  }
  ++endp_hits_;
  Session s = std::move(it->second.back());
  it->second.pop_back();
  --session_count_;
  if (it->second.empty()) endps_.erase(it);
  return Found{"", label, std::move(s.prop), std::move(s.fd)};
}

void ScacheTable::save_dest(const std::string& dest, std::string dest_prop, std::string endp_label,
                            std::time_t expires, std::time_t now) {
  expire(now);
  dests_[dest] = Dest{std::move(dest_prop), std::move(endp_label), expires};
  note_sizes();
}

std::optional<Found> ScacheTable::find_dest(const std::string& dest, std::time_t now) {
  expire(now);
  auto d = dests_.find(dest);
  auto e = d == dests_.end() ? endps_.end() : endps_.find(d->second.endp_label);
  if (e == endps_.end()) {
    ++dest_miss_;
    return std::nullopt;
  }
  ++dest_hits_;
  Session s = std::move(e->second.back());
  e->second.pop_back();
  --session_count_;
  Found out{d->second.prop, e->first, std::move(s.prop), std::move(s.fd)};
  if (e->second.empty()) endps_.erase(e);
  return out;
}

void ScacheTable::expire(std::time_t now) {
  for (auto it = endps_.begin(); it != endps_.end();) {
    auto& q = it->second;
    auto before = q.size();
    q.erase(
        std::remove_if(q.begin(), q.end(), [now](const Session& s) { return s.expires <= now; }),
        q.end());
    session_count_ -= before - q.size();
    it = q.empty() ? endps_.erase(it) : std::next(it);
  }
  std::erase_if(dests_, [now](const auto& kv) { return kv.second.expires <= now; });
}

std::vector<std::string> ScacheTable::statistics(std::time_t now) {
  std::vector<std::string> out;
  const bool lookups = dest_hits_ || dest_miss_ || endp_hits_ || endp_miss_;
  const bool sizes = max_dests_ || max_endps_ || max_sessions_seen_;
  if (lookups || sizes) out.push_back("statistics: start interval " + mail::stats_time(start_));
  if (dest_hits_ || dest_miss_)
    out.push_back("statistics: domain lookup hits=" + std::to_string(dest_hits_) +
                  " miss=" + std::to_string(dest_miss_) +
                  " success=" + std::to_string(percent(dest_hits_, dest_miss_)) + "%");
  if (endp_hits_ || endp_miss_)
    out.push_back("statistics: address lookup hits=" + std::to_string(endp_hits_) +
                  " miss=" + std::to_string(endp_miss_) +
                  " success=" + std::to_string(percent(endp_hits_, endp_miss_)) + "%");
  if (sizes)
    out.push_back("statistics: max simultaneous domains=" + std::to_string(max_dests_) +
                  " addresses=" + std::to_string(max_endps_) +
                  " connection=" + std::to_string(max_sessions_seen_));
  start_ = now;
  dest_hits_ = dest_miss_ = endp_hits_ = endp_miss_ = 0;
  max_dests_ = dests_.size();
  max_endps_ = endps_.size();
  max_sessions_seen_ = session_count_;
  return out;
}

}  // namespace scache
