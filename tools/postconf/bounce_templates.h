// postconf -t (the bounce templates as written) and -b (their text with
// $name expanded), from the file named on the command line, else
// bounce_template_file, else the built-ins. Used by commands.cc.
// Easy to get wrong: Postfix prints the template diagnostics under the
// name "postfix/bounce", since they come from the bounce daemon's code.
#pragma once

#include <string>

#include "tools/postconf/options.h"

namespace postconf {

int show_bounce_templates(const Options& options, const std::string& config_dir);

}  // namespace postconf
