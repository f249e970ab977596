// postconf's dispatcher: picks the view or edit the options ask for. The
// parts live in their own files (builtin_lists, master_views, editing,
// parameter_views). Used by main.cc.
#pragma once

#include <string>

#include "tools/postconf/options.h"

namespace postconf {

// The configuration directory: -c, else $MAIL_CONFIG, else the built-in one.
std::string config_directory(const Options& options);

int run(const Options& options);

}  // namespace postconf
