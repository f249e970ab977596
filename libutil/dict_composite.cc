#include "libutil/dict_composite.h"

#include "libutil/dict_syntax.h"

namespace util {

Result<std::vector<std::unique_ptr<Dict>>> open_member_tables(std::string_view type,
                                                              std::string_view name,
                                                              const DictOpenOptions& options) {
  auto body = braced_body(name);
  if (!body) return bad_list_syntax(type, name, "type:name");
  auto tokens = split_braced_list(*body);
  if (!tokens || tokens->empty()) return bad_list_syntax(type, name, "type:name");
  DictOpenOptions member_options;
  member_options.fold_case = options.fold_case;
  member_options.utf8 = options.utf8;
  member_options.duplicates = options.duplicates;
  std::vector<std::unique_ptr<Dict>> members;
  for (std::string_view t : *tokens) {
    std::string_view member = unbrace_token(t);
    size_t colon = member.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == member.size())
      return bad_list_syntax(type, name, "type:name");
    auto d = dict_open(member, member_options);
    if (!d) return std::unexpected(d.error());
    members.push_back(std::move(*d));
  }
  return members;
}

}  // namespace util
