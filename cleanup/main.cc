// cleanup: turns a client's records (pickup, smtpd, bounce) into a queue
// file in incoming/ and wakes qmgr (see cleanup_service.h).
#include "cleanup/cleanup_service.h"

int main(int argc, char** argv) { return cleanup::run(argc, argv); }
