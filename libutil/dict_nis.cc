// nis:MAP: Sun's NIS (YP). Postfix's default alias_maps names
// nis:mail.aliases, so this must open and quietly answer "not found" on
// the usual machine that has no NIS domain, with Postfix's one warning.
// Postern has no YP client: with a domain set it answers "not found" too.
#include <unistd.h>

#include <memory>

#include "libutil/dict_types.h"
#include "libutil/log.h"

namespace util {
namespace {

class NisDict : public Dict {
 public:
  explicit NisDict(std::string name) : Dict("nis", std::move(name)) {}
  Result<std::optional<std::string>> lookup(std::string_view) override { return std::nullopt; }
};

bool nis_domain_set() {
  char domain[256] = {};
  if (::getdomainname(domain, sizeof domain - 1) < 0) return false;
  std::string_view d(domain);
  return !d.empty() && d != "(none)";
}

}  // namespace

Result<std::unique_ptr<Dict>> open_nis_dict(std::string_view name, const DictOpenOptions&) {
  if (!nis_domain_set())
    msg_warn("dict_nis_init: NIS domain name not set - NIS lookups disabled");
  return std::make_unique<NisDict>(std::string(name));
}

}  // namespace util
