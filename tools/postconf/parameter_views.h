// postconf's main.cf parameter views: the default listing, -d, -n, named
// parameters, with -h/-H/-x/-f and -o overrides, and the "unknown
// parameter"/"unused parameter" warnings. Used by commands.cc.
// Easy to get wrong: -n lists user-defined names only when something refers
// to them ($name in main.cf or in master.cf -o values), and shows
// config_directory when -c or MAIL_CONFIG chose the directory.
#pragma once

#include <string>

#include "libconf/master_cf.h"
#include "tools/postconf/options.h"

namespace postconf {

// Fatal "open DIR/main.cf: No such file or directory" when it is missing.
void require_main_cf(const std::string& dir);

int show_parameters(const Options& options, const std::string& dir);

// The "./master.cf: unused parameter: a=1" warnings of -P.
void warn_unused_master_parameters(const Options& options, const std::string& dir,
                                   const conf::MasterCf& cf);

}  // namespace postconf
