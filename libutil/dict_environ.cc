// environ:NAME: the process environment as a table (the name is ignored).
// Keys are folded like any other table's, so with case folding on (the
// default) "PATH" is looked up as "path" and not found, as in Postfix.
#include <cstdlib>
#include <memory>

#include "libutil/dict_types.h"
#include "libutil/strings.h"

namespace util {
namespace {

class EnvironDict : public Dict {
 public:
  EnvironDict(std::string name, bool fold_case)
      : Dict("environ", std::move(name)), fold_case_(fold_case) {}
  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string k = fold_case_ ? lowercase(key) : std::string(key);
    const char* v = std::getenv(k.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }

 private:
  bool fold_case_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_environ_dict(std::string_view name,
                                                const DictOpenOptions& options) {
  return std::make_unique<EnvironDict>(std::string(name), options.fold_case);
}

}  // namespace util
