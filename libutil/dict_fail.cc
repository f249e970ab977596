// fail:NAME: every access fails, so a test or an administrator can see how
// a component behaves when a table cannot be read (mail must wait, never
// bounce).
#include <memory>

#include "libutil/dict_types.h"

namespace util {
namespace {

// The text Postfix gives for the failure (its DICT_ERR_RETRY).
constexpr std::string_view kReason = "Application error";

class FailDict : public Dict {
 public:
  explicit FailDict(std::string name) : Dict("fail", std::move(name)) {}
  Result<std::optional<std::string>> lookup(std::string_view) override {
    return op_error("query", kReason);
  }
  Result<void> update(std::string_view, std::string_view) override {
    return op_error("write", kReason);
  }
  Result<bool> remove(std::string_view) override { return op_error("delete", kReason); }
  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>&) override {
    return op_error("sequence", kReason);
  }
};

}  // namespace

Result<std::unique_ptr<Dict>> open_fail_dict(std::string_view name, const DictOpenOptions&) {
  return std::make_unique<FailDict>(std::string(name));
}

}  // namespace util
