// The spawn service (Postfix's spawn(8)): for each client that connects to
// the service's socket, run the configured command as its user with the
// connection as standard input, output and error, and wait for it, at most
// SERVICE_time_limit (default $command_time_limit). The use that matters:
// policy servers such as postfix-policyd-spf-perl behind
// check_policy_service unix:private/NAME.
// Easy to get wrong: the command gets a clean environment (only
// export_environment), a command that exits non-zero or is killed is a
// warning naming argv[0], and a command past its time limit is killed with
// its whole process group so nothing outlives the connection.
#pragma once

namespace spawn_agent {

int run(int argc, char** argv);

}  // namespace spawn_agent
