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

// What -M/-F/-P say about main.cf and master.cf: first the reference check
// of main.cf values ("undefined parameter"), then, after the output, the
// "./master.cf: unused parameter: a=1" warnings.
void check_master_view_references(const Options& options, const conf::MasterCf& cf);
void warn_unused_master_parameters(const Options& options, const conf::MasterCf& cf);
// -Mx/-Fx/-Px: expand the values of each entry's -o options, with
// $service_name standing for the entry's service.
void expand_master_options(const Options& options, conf::MasterCf& cf);

}  // namespace postconf
