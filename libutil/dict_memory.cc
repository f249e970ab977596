#include "libutil/dict_memory.h"

#include "libutil/utf8_fold.h"

namespace util {

std::string MemoryDict::fold(std::string_view key) const {
  return fold_case_ ? fold_key(key, utf8_) : std::string(key);
}

bool MemoryDict::put(std::string_view key, std::string_view value) {
  std::string k = fold(key);
  if (auto it = index_.find(k); it != index_.end()) {
    entries_[it->second]->second = std::string(value);
    return false;
  }
  index_.emplace(k, entries_.size());
  entries_.emplace_back(std::make_pair(std::move(k), std::string(value)));
  return true;
}

bool MemoryDict::contains(std::string_view key) const { return index_.contains(fold(key)); }

bool MemoryDict::erase(std::string_view key) {
  auto it = index_.find(fold(key));
  if (it == index_.end()) return false;
  entries_[it->second].reset();
  index_.erase(it);
  return true;
}

Result<std::optional<std::string>> MemoryDict::lookup(std::string_view key) {
  auto it = index_.find(fold(key));
  if (it == index_.end()) return std::nullopt;
  const std::string& value = entries_[it->second]->second;
  if (value.empty()) warn_empty_result(key);
  return value;
}

Result<void> MemoryDict::for_each(
    const std::function<void(std::string_view, std::string_view)>& fn) {
  for (const auto& e : entries_) {
    if (!e) continue;
    if (e->second.empty()) warn_empty_result(e->first);
    fn(e->first, e->second);
  }
  return {};
}

}  // namespace util
