// anvil: connection and rate counting for smtpd (see anvil_service.h).
#include "anvil/anvil_service.h"

int main(int argc, char** argv) { return anvil::run(argc, argv); }
