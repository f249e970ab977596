// postmap/postalias command-line parsing; see table_options.h.
#include "libmail/table_options.h"

#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "libutil/log.h"

namespace mail {

const char* table_tool_name(TableToolKind kind) {
  return kind == TableToolKind::kPostmap ? "postmap" : "postalias";
}

std::string table_tool_usage(TableToolKind kind) {
  if (kind == TableToolKind::kPostmap)
    return "usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] "
           "[map_type:]file...";
  return "usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file...";
}

TableOptions parse_table_options(TableToolKind kind, int argc, char** argv) {
  TableOptions opt;
  opt.kind = kind;
  const char* optstring =
      kind == TableToolKind::kPostmap ? "bc:d:fFhimnNopq:rsuUvw" : "c:d:finNopq:rsuvw";
  bool have_query = false;
  bool have_delete = false;
  bool have_dump = false;
  opterr = 0;  // we print getopt's complaint ourselves, under the short program name
  optind = 0;  // glibc: 0 also resets its internal state (unit tests parse twice)
  int ch;
  while ((ch = getopt(argc, argv, optstring)) != -1) {
    switch (ch) {
      case 'b': opt.body_keys = true; break;
      case 'c': opt.config_dir = optarg; break;
      case 'd':
      case 'q':
        if (have_query || have_delete || have_dump)
          util::msg_fatal("specify only one of -s -q or -d");
        (ch == 'q' ? have_query : have_delete) = true;
        opt.mode = ch == 'q' ? TableMode::kQuery : TableMode::kDelete;
        opt.key = optarg;
        break;
      case 'f': opt.fold_case = false; break;
      case 'F': opt.base64 = true; break;
      case 'h': opt.header_keys = true; break;
      case 'i': opt.incremental = true; break;
      case 'm': opt.mime = true; break;
      case 'n': opt.append_nul = false; break;
      case 'N': opt.append_nul = true; break;
      case 'o': opt.keep_root = true; break;
      case 'p': opt.copy_mode = false; break;
      case 'r': opt.duplicates = util::DictDuplicates::kReplace; break;
      case 's':
        if (have_query || have_delete) util::msg_fatal("specify only one of -s or -q or -d");
        have_dump = true;
        opt.mode = TableMode::kDump;
        break;
      case 'u': opt.utf8_disable = true; break;
      case 'U': break;  // -b/-h header decoding only; keys are folded as without it
      case 'v': ++opt.verbose; break;
      case 'w': opt.duplicates = util::DictDuplicates::kIgnore; break;
      default: {
        std::string text = util::program_name() + ": invalid option -- '" +
                           std::string(1, static_cast<char>(optopt)) + "'\n";
        if (optopt == 'c' || optopt == 'd' || optopt == 'q')
          text = util::program_name() + ": option requires an argument -- '" +
                 std::string(1, static_cast<char>(optopt)) + "'\n";
        std::fputs(text.c_str(), stderr);
        util::msg_fatal(table_tool_usage(kind));
      }
    }
  }
  for (int i = optind; i < argc; ++i) opt.maps.emplace_back(argv[i]);
  return opt;
}

}  // namespace mail
