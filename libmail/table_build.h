// mail::build_table: postmap FILE / postalias FILE (and -i, newaliases):
// read a source file and write the indexed table beside it.
// Users: mail::table_tool_main.
// Easy to get wrong:
//  - the table is written to a temporary file and renamed at the end
//    (util::Dict::commit), so a reader never sees half a table;
//  - run as root on a source owned by someone else, we become that user
//    first (unless -o), so a user cannot make root write where they can't;
//  - the new file takes the source file's mode bits unless -p;
//  - postalias adds "@" (sendmail's "database is complete" marker, with the
//    table's NUL convention) and YP_LAST_MODIFIED / YP_MASTER_NAME (always
//    without NUL, never case-folded).
#pragma once

#include <string>

#include "libconf/config.h"
#include "libmail/table_options.h"

namespace mail {

// A command-line table name split into type and name; a bare name gets
// $default_database_type.
struct TableName {
  std::string type;
  std::string name;
  std::string type_name() const { return type + ":" + name; }
};
TableName split_table_name(const std::string& arg, const conf::Config& config);

// Builds one table; fatal (in Postfix's words) on anything that stops it.
// Bad source lines are warned about and skipped.
void build_table(const TableOptions& opt, const conf::Config& config, const TableName& table);

}  // namespace mail
