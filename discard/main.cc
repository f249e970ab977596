// discard: the delivery agent that accepts every recipient and throws the
// mail away (see discard_service.h).
#include "discard/discard_service.h"

int main(int argc, char** argv) { return discard_agent::run(argc, argv); }
