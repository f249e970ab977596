// randmap:{value1, value2, ...}: answers one of its values at random for
// every key (transport or relay load spreading). Values may be braced to
// hold white space: randmap:{{smtp:a b}, smtp:c}.
#include <memory>
#include <random>
#include <vector>

#include "libutil/dict_syntax.h"
#include "libutil/dict_types.h"

namespace util {
namespace {

class RandmapDict : public Dict {
 public:
  RandmapDict(std::string name, std::vector<std::string> values)
      : Dict("randmap", std::move(name)), values_(std::move(values)), rng_(std::random_device{}()) {}
  Result<std::optional<std::string>> lookup(std::string_view) override {
    std::uniform_int_distribution<size_t> pick(0, values_.size() - 1);
    return values_[pick(rng_)];
  }

 private:
  std::vector<std::string> values_;
  std::mt19937 rng_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_randmap_dict(std::string_view name, const DictOpenOptions&) {
  auto body = braced_body(name);
  if (!body) return bad_list_syntax("randmap", name, "value");
  auto tokens = split_braced_list(*body);
  if (!tokens || tokens->empty()) return bad_list_syntax("randmap", name, "value");
  std::vector<std::string> values;
  for (std::string_view t : *tokens) values.emplace_back(unbrace_token(t));
  return std::make_unique<RandmapDict>(std::string(name), std::move(values));
}

}  // namespace util
