// postmap: build, query, list and edit Postfix lookup tables.
// Everything is in libmail/table_tool.h; postalias shares it.
#include "libmail/table_tool.h"

int main(int argc, char** argv) {
  return mail::table_tool_main(mail::TableToolKind::kPostmap, argc, argv);
}
