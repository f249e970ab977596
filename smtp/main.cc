// smtp, lmtp: the SMTP/LMTP delivery agent (smtp(8)). One program; the name
// it runs under (argv[0], as master starts it) selects the protocol.
#include "smtp/smtp_service.h"

int main(int argc, char** argv) { return smtp::run(argc, argv); }
