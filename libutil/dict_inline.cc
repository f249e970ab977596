// inline:{key=value, {key = value with spaces}, ...}: a table written in
// the table name itself. Entries are separated by commas or white space, so
// a value with spaces needs its own braces; the last duplicate wins, as in
// Postfix.
#include <memory>

#include "libutil/dict_memory.h"
#include "libutil/dict_syntax.h"
#include "libutil/dict_types.h"
#include "libutil/strings.h"

namespace util {

Result<std::unique_ptr<Dict>> open_inline_dict(std::string_view name,
                                               const DictOpenOptions& options) {
  auto body = braced_body(name);
  if (!body) return bad_list_syntax("inline", name, "name=value");
  auto tokens = split_braced_list(*body);
  if (!tokens || tokens->empty()) return bad_list_syntax("inline", name, "name=value");
  auto dict = std::make_unique<MemoryDict>("inline", std::string(name), options.fold_case,
                                           options.utf8);
  for (std::string_view token : *tokens) {
    std::string_view entry = unbrace_token(token);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return fail("missing '=' after attribute name: \"inline:" + std::string(name) +
                  "\"; need \"inline:{name=value...}\"");
    }
    dict->put(trim(entry.substr(0, eq)), trim(entry.substr(eq + 1)));
  }
  return std::unique_ptr<Dict>(std::move(dict));
}

}  // namespace util
