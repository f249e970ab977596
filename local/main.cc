// local: the local delivery agent (local(8)): aliases, .forward, mailboxes,
// maildirs, files and commands for recipients in our own domains.
#include "local/local_service.h"

int main(int argc, char** argv) { return local::run(argc, argv); }
