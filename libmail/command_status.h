// What a delivery to a command reports, from how the command ended: the
// words and DSN codes local(8) and pipe(8) use (sysexits(3) codes map to
// Postfix's texts; EX_TEMPFAIL and EX_OSERR defer, the others bounce; any
// other status, a signal or the time limit bounce with "Command died ..." /
// "Command time limit exceeded"), with the command's output appended as
// ". Command output: ...".
// Easy to get wrong: the output is flattened onto one line (newlines and
// tabs become spaces, trailing blanks go), as it ends up in a log line.
#pragma once

#include <string>
#include <string_view>

#include "libmail/delivery_outcome.h"
#include "libutil/child_process.h"

namespace mail {

// The text is "" for success: the caller says what was delivered.
DeliveryOutcome command_status(std::string_view command, const util::CommandResult& result);

// Output on one line, as it goes into a reason.
std::string flatten_command_output(std::string output);

}  // namespace mail
