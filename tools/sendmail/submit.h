// sendmail's actions for parsed options (see submit.cc): enqueue through
// postdrop, or hand over to newaliases, postqueue or postfix.
#pragma once

#include "tools/sendmail/options.h"

namespace sendmail {
int run(const Options& options);
}
