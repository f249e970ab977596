// static:VALUE answers VALUE for every key; static:{two words} allows
// white space. The braces must close the name, with Postfix's own wording
// when they do not.
#include <memory>

#include "libutil/dict_types.h"
#include "libutil/strings.h"

namespace util {
namespace {

class StaticDict : public Dict {
 public:
  StaticDict(std::string name, std::string value)
      : Dict("static", std::move(name)), value_(std::move(value)) {}
  Result<std::optional<std::string>> lookup(std::string_view key) override {
    if (value_.empty()) warn_empty_result(key);
    return value_;
  }

 private:
  std::string value_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_static_dict(std::string_view name, const DictOpenOptions&) {
  std::string value(name);
  if (!name.empty() && name.front() == '{') {
    size_t close = name.find('}');
    if (close == std::string_view::npos)
      return fail("bad static:name syntax: missing '}' in \"" + std::string(name) + "\"");
    if (close + 1 != name.size())
      return fail("bad static:name syntax: syntax error after '}' in \"" + std::string(name) +
                  "\"");
    value = std::string(trim(name.substr(1, close - 1)));
  }
  return std::make_unique<StaticDict>(std::string(name), std::move(value));
}

}  // namespace util
