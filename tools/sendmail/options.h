// sendmail's command line (Postfix 3.7 flags, cli.md §7): what to do (-b
// mode, -q, -I) and the envelope settings. Used by main.cc and submit.cc.
// Easy to get wrong: Postfix scans the options twice (first for -C), so a
// bad option is reported twice; "-V xx" with a two-character argument is
// the pre-2.3 VERP flag (a warning, and xx stays a recipient); -N and -R
// with bad values only warn; every fatal exits 75.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libmail/maildrop_writer.h"

namespace sendmail {

enum class Mode {
  kDeliver,     // -bm (default)
  kSmtp,        // -bs
  kQueueList,   // -bp, mailq
  kNewAliases,  // -bi, -I, newaliases
  kDaemon,      // -bd
  kIgnore,      // -bh
  kFlush,       // -q
  kFlushSite,   // -qRsite
};

struct Options {
  Mode mode = Mode::kDeliver;
  std::string config_dir;  // -C / -c
  std::optional<std::string> sender;     // -f / -r
  std::optional<std::string> full_name;  // -F
  std::string envelope_id;               // -V envid
  std::string encoding;                  // -B: 8bit / 7bit
  int ret_flags = 0;
  int notify_flags = 0;
  bool verp = false;                     // -XV
  std::optional<std::string> verp_delims;  // -XVxy
  bool dot_is_data = false;              // -i / -oi
  bool extract = false;                  // -t
  std::string flush_site;                // -qRsite
  std::vector<std::string> recipients;
  std::vector<std::string> raw_args;     // for newaliases
};

// Parse argv (argv[0] decides mailq/newaliases); fatal on usage errors.
Options parse_options(int argc, char** argv);

}  // namespace sendmail
