// Opening the member tables of pipemap:{...} and unionmap:{...}.
// Users: dict_pipemap.cc, dict_unionmap.cc.
// Easy to get wrong: members are opened read-only with the parent's case
// folding, and a member that cannot be opened fails the whole table (as a
// table that cannot be read must make mail wait, not silently shrink).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/dict.h"

namespace util {

// `type` is "pipemap" or "unionmap"; errors as Postfix words them:
// bad syntax: "pipemap:foo"; need "pipemap:{type:name...}".
// What pipemap and unionmap share: the members, and the flags they merge.
class CompositeDict : public Dict {
 public:
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

 protected:
  CompositeDict(std::string type, std::string name, std::vector<std::unique_ptr<Dict>> members)
      : Dict(std::move(type), std::move(name)), members_(std::move(members)) {}

  std::vector<std::unique_ptr<Dict>> members_;
};

Result<std::vector<std::unique_ptr<Dict>>> open_member_tables(std::string_view type,
                                                              std::string_view name,
                                                              const DictOpenOptions& options);

}  // namespace util
