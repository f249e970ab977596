// smtpd: the Postfix-compatible SMTP server (see smtpd_service.h).
#include "smtpd/smtpd_service.h"

int main(int argc, char** argv) { smtpd::run(argc, argv); }
