// pipe: the delivery agent that hands mail to a command (see pipe_service.h).
#include "pipe/pipe_service.h"

int main(int argc, char** argv) { return pipe_agent::run(argc, argv); }
