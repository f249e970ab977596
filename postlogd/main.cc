// postlogd: writes the log lines other Postern processes send to the
// postlog datagram service into maillog_file (see postlogd_service.h).
#include "postlogd/postlogd_service.h"

int main(int argc, char** argv) { return postlogd::run(argc, argv); }
