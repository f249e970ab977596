// master.cf editing for postconf -Me/-MX/-M#/-Fe/-Pe/-PX. Untouched entries
// keep their text byte for byte; an edited entry is written in postconf
// -Mf's folded form. Users: postconf.
// Easy to get wrong (observed on Postfix 3.7.11): -Me replaces an entry at
// its first line, while -Fe/-Pe/-PX write the rewritten entry where the old
// one ended, so comment lines inside or just after it move before it; -M#
// prefixes '#' to the entry's own lines only; new -o options go after the
// existing daemon options, before the first ordinary argument.
#pragma once

#include <string>
#include <vector>

#include "libconf/master_cf.h"
#include "libutil/error.h"

namespace conf {

enum class MasterEditMode {
  kEntry,         // -Me "service/type = whole entry"
  kDeleteEntry,   // -MX "service/type"
  kCommentEntry,  // -M# "service/type"
  kField,         // -Fe "service/type/field = value"
  kParameter,     // -Pe "service/type/name = value"
  kDeleteParameter,  // -PX "service/type/name"
};

// Applies the edits to `cf` in argument order and returns the new file text.
// Usage errors are Postfix's fatal messages ("-Me, -MX or -M# requires
// service_name/type"); unmatched -Fe/-Pe targets warn ("unmatched
// service_name/type: \"ARG\"").
util::Result<std::string> edit_master_cf_text(const MasterCf& cf, MasterEditMode mode,
                                              const std::vector<std::string>& args);

// Reads PATH ("open PATH for reading: ..."), edits and replaces it atomically.
util::Result<void> edit_master_cf(const std::string& path, MasterEditMode mode,
                                  const std::vector<std::string>& args);

}  // namespace conf
