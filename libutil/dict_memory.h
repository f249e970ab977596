// util::MemoryDict: a table held in memory, filled at open time.
// Users: inline:{...}, texthash:FILE and internal:NAME (dict_inline.cc,
// dict_texthash.cc, dict_internal.cc).
// Easy to get wrong: keys are folded once on the way in and every lookup
// folds the same way (unless fold_case is off); for_each walks the entries
// in the order they were first added, so postmap -s output is stable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libutil/dict.h"

namespace util {

class MemoryDict : public Dict {
 public:
  // utf8: fold with Unicode case folding (DictOpenOptions::utf8).
  MemoryDict(std::string type, std::string name, bool fold_case, bool utf8 = false)
      : Dict(std::move(type), std::move(name)), fold_case_(fold_case), utf8_(utf8) {}

  // Add or replace; true when the key was new.
  bool put(std::string_view key, std::string_view value);
  bool contains(std::string_view key) const;
  std::string fold(std::string_view key) const;

  Result<std::optional<std::string>> lookup(std::string_view key) override;
  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>& fn) override;

 protected:
  bool erase(std::string_view key);

 private:
  bool fold_case_;
  bool utf8_;
  // Entries in insertion order; an erased entry leaves a hole (nullopt).
  std::vector<std::optional<std::pair<std::string, std::string>>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace util
