// error: the delivery agent that fails every recipient with the reason in
// its next hop (services `error` and `retry`; see error_service.h).
#include "error/error_service.h"

int main(int argc, char** argv) { return error_agent::run(argc, argv); }
