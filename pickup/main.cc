// pickup: moves local submissions from maildrop/ into the queue through
// cleanup, on every wake-up (see pickup_service.h).
#include "pickup/pickup_service.h"

int main(int argc, char** argv) { return pickup::run(argc, argv); }
