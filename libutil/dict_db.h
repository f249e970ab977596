// hash: and btree: tables: Berkeley DB 5.3 files shared with Postfix.
// Users: dict.cc (registry) for "hash:NAME"/"btree:NAME", which read and
// write NAME.db; postmap/postalias build them, every daemon reads them.
// Easy to get wrong:
//  - Postfix's files: page size 4096, a hash table sized for 4096 elements
//    (db_dump -p shows h_nelem = 4096 + entries), key and value with a
//    trailing NUL unless built with -n. Readers probe both forms.
//  - a build (create) writes NAME.db.<pid>.tmp in the same directory and
//    renames it over NAME.db on commit(), so readers see the old or the new
//    table, never half of one; an uncommitted build is removed.
//  - a file that is not a Berkeley DB of the right type is an Error
//    ("open database NAME.db: Invalid argument"), never a crash, and
//    Berkeley DB's own complaints are kept off stderr.
#pragma once

#include <memory>
#include <string_view>

#include "libutil/dict.h"

namespace util {

enum class DbKind { kHash, kBtree };

Result<std::unique_ptr<Dict>> open_db_dict(DbKind kind, std::string_view name,
                                           const DictOpenOptions& options);

}  // namespace util
