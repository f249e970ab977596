// master: the Postfix-compatible process supervisor (see master.h).
#include "master/startup.h"

int main(int argc, char** argv) { return master::master_main(argc, argv); }
