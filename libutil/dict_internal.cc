// internal:NAME: an empty in-memory table that the process itself fills
// with update(); nothing survives the process. It cannot be built by
// postmap (no file), but may be opened for update.
#include <memory>

#include "libutil/dict_memory.h"
#include "libutil/dict_types.h"

namespace util {
namespace {

class InternalDict : public MemoryDict {
 public:
  InternalDict(std::string name, bool fold_case)
      : MemoryDict("internal", std::move(name), fold_case) {}
  Result<void> update(std::string_view key, std::string_view value) override {
    put(key, value);
    return {};
  }
  Result<bool> remove(std::string_view key) override { return erase(key); }
};

}  // namespace

Result<std::unique_ptr<Dict>> open_internal_dict(std::string_view name,
                                                 const DictOpenOptions& options) {
  return std::make_unique<InternalDict>(std::string(name), options.fold_case);
}

}  // namespace util
