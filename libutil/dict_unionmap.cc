// unionmap:{table1, table2, ...}: asks every member and joins what they
// found with "," in member order; "not found" only when none found
// anything. One member in error makes the whole lookup an error.
#include <memory>

#include "libutil/dict_composite.h"
#include "libutil/dict_syntax.h"
#include "libutil/dict_types.h"

namespace util {
namespace {

class UnionmapDict : public Dict {
 public:
  UnionmapDict(std::string name, std::vector<std::unique_ptr<Dict>> members)
      : Dict("unionmap", std::move(name)), members_(std::move(members)) {}

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

  // A member with patterns makes the whole a pattern table (no partial-key
  // searches), as Postfix merges its members' flags.
  bool is_pattern() const override {
    for (const auto& m : members_)
      if (m->is_pattern()) return true;
    return false;
  }

  bool changed() const override {
    for (const auto& m : members_)
      if (m->changed()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Dict>> members_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_unionmap_dict(std::string_view name,
                                                 const DictOpenOptions& options) {
  auto members = open_member_tables("unionmap", name, options);
  if (!members) return std::unexpected(members.error());
  return std::make_unique<UnionmapDict>(std::string(name), std::move(*members));
}

}  // namespace util
