// See dict_utf8.h.
#include "libutil/dict_utf8.h"

#include <string>

#include "libutil/log.h"
#include "libutil/utf8_fold.h"

namespace util {
namespace {

class Utf8Dict : public Dict {
 public:
  Utf8Dict(std::unique_ptr<Dict> inner, bool fold)
      : Dict(inner->type(), inner->name()),
        inner_(std::move(inner)),
        fold_(fold && !inner_->is_pattern()) {
    label_ = inner_->type_name();
    if (inner_->type() == "hash" || inner_->type() == "btree") label_ += ".db";
  }

  bool is_pattern() const override { return inner_->is_pattern(); }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    auto k = checked_key(key);
    if (!k) return std::optional<std::string>();
    auto r = inner_->lookup(*k);
    if (!r || !*r) return r;
    if (!valid_utf8(**r)) {
      msg_warn(label_ + ": key \"" + printable(key) + "\": non-UTF-8 value \"" + printable(**r) +
               "\": malformed UTF-8 or invalid codepoint");
      return fail("table " + label_ + ": query error");
    }
    return r;
  }

  Result<void> update(std::string_view key, std::string_view value) override {
    auto k = checked_key(key);
    if (!k) return {};  // warned; the entry is skipped
    if (!valid_utf8(value)) {
      msg_warn(label_ + ": key \"" + printable(key) + "\": non-UTF-8 value \"" + printable(value) +
               "\": malformed UTF-8 or invalid codepoint");
      return {};
    }
    return inner_->update(*k, value);
  }

  Result<bool> remove(std::string_view key) override {
    auto k = checked_key(key);
    // Postfix's postmap -d exits 0 for such a key though nothing is removed
    // (observed on 3.7.11): its delete reports the key as "not absent".
    if (!k) return true;
    return inner_->remove(*k);
  }

  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>& fn) override {
    return inner_->for_each(fn);
  }
  Result<void> commit() override { return inner_->commit(); }
  bool changed() const override { return inner_->changed(); }

 private:
  // The key to hand to the table (folded), or nullopt after the warning.
  std::optional<std::string> checked_key(std::string_view key) const {
    if (!valid_utf8(key)) {
      msg_warn(label_ + ": non-UTF-8 key \"" + printable(key) +
               "\": malformed UTF-8 or invalid codepoint");
      return std::nullopt;
    }
    return fold_ ? utf8_fold(key) : std::string(key);
  }

  std::unique_ptr<Dict> inner_;
  bool fold_;
  std::string label_;
};

}  // namespace

std::unique_ptr<Dict> dict_utf8_wrap(std::unique_ptr<Dict> inner, const DictOpenOptions& options) {
  return std::make_unique<Utf8Dict>(std::move(inner), options.fold_case);
}

}  // namespace util
