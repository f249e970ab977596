// pickup's service: on each trigger (master's wakeup timer, postdrop's "W")
// scan maildrop/ and hand every complete file to cleanup (pickup_file.h),
// rescanning while files keep going away, as Postfix's pickup does.
// Easy to get wrong: a trigger promises nothing, so every wake-up is a full
// scan; and a scan must end when cleanup is unreachable (files stay for the
// next wake-up) instead of spinning on the same files.
#pragma once

namespace pickup {

int run(int argc, char** argv);

}  // namespace pickup
