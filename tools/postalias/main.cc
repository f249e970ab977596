// postalias: build, query, list and edit alias tables. Installed also as
// newaliases, which rebuilds $alias_database (until sendmail -bi takes over).
#include <cstring>

#include "libmail/table_tool.h"

int main(int argc, char** argv) {
  const char* slash = std::strrchr(argv[0], '/');
  const char* name = slash ? slash + 1 : argv[0];
  if (std::strcmp(name, "newaliases") == 0) return mail::newaliases_main(argc, argv);
  return mail::table_tool_main(mail::TableToolKind::kPostalias, argc, argv);
}
