#include "smtpd/session_counters.h"

#include <cctype>

namespace smtpd {

void SessionCounters::count(std::string_view name, bool ok) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t index = kNames.size() - 1;
  for (size_t i = 0; i + 1 < kNames.size(); ++i)
    if (lower == kNames[i]) index = i;
  ++total_[index];
  if (ok) ++ok_[index];
}

std::string SessionCounters::summary() const {
  std::string out;
  int ok = 0, total = 0;
  auto item = [&](std::string_view name, int good, int all) {
    out += " ";
    out += name;
    out += "=" + std::to_string(good);
    // "commands=0/0" for a session without commands (observed).
    if (good != all || all == 0) out += "/" + std::to_string(all);
  };
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (total_[i] == 0) continue;
    item(kNames[i], ok_[i], total_[i]);
    ok += ok_[i];
    total += total_[i];
  }
  item("commands", ok, total);
  return out;
}

}  // namespace smtpd
