// pipemap:{table1, table2, ...}: the key goes through table1, its answer
// is the key for table2, and so on; the last answer is the result. Any
// member that finds nothing ends the search with "not found".
#include <memory>

#include "libutil/dict_composite.h"
#include "libutil/dict_syntax.h"
#include "libutil/dict_types.h"

namespace util {
namespace {

class PipemapDict : public CompositeDict {
 public:
  PipemapDict(std::string name, std::vector<std::unique_ptr<Dict>> members)
      : CompositeDict("pipemap", std::move(name), std::move(members)) {}

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string current(key);
    for (auto& member : members_) {
      auto r = member->lookup(current);
      if (!r) return op_error("query", error_reason(r.error()));
      if (!*r) return std::nullopt;
      current = std::move(**r);
    }
    return current;
  }
};

}  // namespace

Result<std::unique_ptr<Dict>> open_pipemap_dict(std::string_view name,
                                                const DictOpenOptions& options) {
  auto members = open_member_tables("pipemap", name, options);
  if (!members) return std::unexpected(members.error());
  return std::make_unique<PipemapDict>(std::string(name), std::move(*members));
}

}  // namespace util
