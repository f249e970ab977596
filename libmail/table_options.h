// mail::TableOptions: the command line shared by postmap and postalias
// (and newaliases, which is postalias on $alias_database).
// Users: tools/postmap, tools/postalias through mail::table_tool_main.
// Easy to get wrong: the "specify only one of ..." messages differ by which
// option came second, exactly as Postfix words them, and a usage error must
// come before the configuration is read while "no table named" comes after.
#pragma once

#include <string>
#include <vector>

#include "libutil/dict.h"

namespace mail {

enum class TableToolKind { kPostmap, kPostalias };

enum class TableMode { kBuild, kQuery, kDelete, kDump };

struct TableOptions {
  TableToolKind kind = TableToolKind::kPostmap;
  TableMode mode = TableMode::kBuild;
  std::string key;          // -q KEY / -d KEY ("-" = read keys from stdin)
  std::string config_dir;   // -c DIR
  bool incremental = false;  // -i: add entries from stdin to an existing table
  bool fold_case = true;     // -f turns it off
  bool append_nul = true;    // -N (default for Berkeley DB) / -n
  bool keep_root = false;    // -o: do not run as the source file's owner
  bool copy_mode = true;     // -p turns it off (new files get 0644)
  bool base64 = false;       // -F
  bool header_keys = false;  // -h
  bool body_keys = false;    // -b
  bool mime = false;         // -m (accepted; MIME structure is not parsed)
  int verbose = 0;           // -v
  bool utf8_disable = false;  // -u
  // UTF-8 mode for the tables (util::DictOpenOptions::utf8): smtputf8_enable
  // and not -u; set once the configuration is read.
  bool utf8 = false;
  util::DictDuplicates duplicates = util::DictDuplicates::kWarn;  // -r / -w
  std::vector<std::string> maps;  // [type:]file...
};

// "postmap" / "postalias".
const char* table_tool_name(TableToolKind kind);
// The usage line printed after "fatal: usage: ".
std::string table_tool_usage(TableToolKind kind);

// Parse argv (getopt, arguments may follow operands as with glibc). Bad
// options and conflicting -q/-s/-d are fatal with Postfix's messages.
TableOptions parse_table_options(TableToolKind kind, int argc, char** argv);

}  // namespace mail
