// spawn: runs a command per client connection (see spawn_service.h).
#include "spawn/spawn_service.h"

int main(int argc, char** argv) { return spawn_agent::run(argc, argv); }
