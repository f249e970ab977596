// postdrop's whole job (see postdrop.cc): options, the maildrop file, the
// record copy with validation, the reply to sendmail and the pickup wake-up.
#pragma once

namespace postdrop {
int run(int argc, char** argv);
}
