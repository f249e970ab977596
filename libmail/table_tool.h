// mail::table_tool_main: the whole of postmap, postalias and newaliases
// behind their few-line main.cc files.
// Users: tools/postmap/main.cc, tools/postalias/main.cc (which is also
// newaliases when invoked under that name).
// Easy to get wrong: option errors come before main.cf is read, a missing
// table argument after it (as Postfix orders them); newaliases rebuilds every
// table in $alias_database and says nothing on success.
#pragma once

#include "libmail/table_options.h"

namespace mail {

// Returns the exit status.
int table_tool_main(TableToolKind kind, int argc, char** argv);

// newaliases: postalias on each table of $alias_database.
int newaliases_main(int argc, char** argv);

}  // namespace mail
