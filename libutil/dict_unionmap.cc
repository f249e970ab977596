// unionmap:{table1, table2, ...}: asks every member and joins what they
// found with "," in member order; "not found" only when none found
// anything. One member in error makes the whole lookup an error.
#include <memory>

#include "libutil/dict_composite.h"
#include "libutil/dict_syntax.h"
#include "libutil/dict_types.h"

namespace util {
namespace {

class UnionmapDict : public CompositeDict {
 public:
  UnionmapDict(std::string name, std::vector<std::unique_ptr<Dict>> members)
      : CompositeDict("unionmap", std::move(name), std::move(members)) {}

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::optional<std::string> joined;
    for (auto& member : members_) {
      auto r = member->lookup(key);
      if (!r) return op_error("query", error_reason(r.error()));
      if (!*r) continue;
      if (joined) {
        *joined += ",";
        *joined += **r;
      } else {
        joined = std::move(**r);
      }
    }
    return joined;
  }
};

}  // namespace

Result<std::unique_ptr<Dict>> open_unionmap_dict(std::string_view name,
                                                 const DictOpenOptions& options) {
  auto members = open_member_tables("unionmap", name, options);
  if (!members) return std::unexpected(members.error());
  return std::make_unique<UnionmapDict>(std::string(name), std::move(*members));
}

}  // namespace util
