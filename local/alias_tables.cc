#include "local/alias_tables.h"

#include <sys/stat.h>

#include "libconf/config.h"
#include "libutil/log.h"

namespace local {

AliasTables::Table AliasTables::open_one(const std::string& spec) const {
  Table t;
  t.spec = spec;
  t.privs = default_privs_;
  std::string name = spec;
  if (name.find(':') == std::string::npos) name = "hash:" + name;
  auto dict = util::dict_open(name);
  if (!dict) {
    util::msg_warn(name + ": " + dict.error().message);
    t.open_error = dict.error().message;
    return t;
  }
  t.dict = std::move(*dict);
  // Files owned by someone other than root lend that owner's privileges.
  const std::string& type = t.dict->type();
  std::string file = t.dict->name();
  if (type == "hash" || type == "btree") file += ".db";
  struct stat st {};
  if ((type == "hash" || type == "btree" || type == "texthash" || type == "regexp" ||
       type == "pcre" || type == "cidr") &&
      ::stat(file.c_str(), &st) == 0 && st.st_uid != 0)
    t.privs = mail::LocalPrivs{st.st_uid, st.st_gid};
  return t;
}

void AliasTables::open(const std::string& alias_maps, mail::LocalPrivs default_privs) {
  default_privs_ = default_privs;
  tables_.clear();
  for (const auto& spec : conf::Config::split_list(alias_maps)) tables_.push_back(open_one(spec));
}

void AliasTables::refresh() {
  for (auto& t : tables_)
    if (!t.dict || t.dict->changed()) t = open_one(t.spec);
}

util::Result<std::optional<mail::AliasHit>> AliasTables::lookup(std::string_view name) {
  for (auto& t : tables_) {
    if (!t.dict) return util::fail("table " + t.spec + ": " + t.open_error);
    auto v = t.dict->lookup(name);
    if (!v) {
      util::msg_warn(t.dict->type_name() + ": lookup of " + std::string(name) + " failed");
      return std::unexpected(v.error());
    }
    if (*v) return mail::AliasHit{**v, t.privs};
  }
  return std::nullopt;
}

}  // namespace local
