// alias_maps as local(8) uses them: every table opened once (as root,
// before any delivery), searched in order, each answer carrying the
// privileges its commands and files run with (the table file's owner, or
// default_privs when root owns it).
// Users: local/local_service (the lookup hook of mail::expand_local_recipient).
// Easy to get wrong: a table that cannot be opened is not fatal and not
// "not found": every lookup then fails, so the mail waits ("alias database
// unavailable") until the administrator fixes it; a rebuilt table is
// reopened before the next request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/local_expand.h"
#include "libutil/dict.h"

namespace local {

class AliasTables {
 public:
  void open(const std::string& alias_maps, mail::LocalPrivs default_privs);
  // Reopen tables whose files changed since they were opened.
  void refresh();
  util::Result<std::optional<mail::AliasHit>> lookup(std::string_view name);

 private:
  struct Table {
    std::string spec;
    std::unique_ptr<util::Dict> dict;  // null when it could not be opened
    std::string open_error;
    mail::LocalPrivs privs;
  };
  Table open_one(const std::string& spec) const;
  std::vector<Table> tables_;
  mail::LocalPrivs default_privs_;
};

}  // namespace local
