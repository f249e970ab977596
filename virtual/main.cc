// virtual: delivery to virtual mailboxes (see virtual_service.h).
#include "virtual/virtual_service.h"

int main(int argc, char** argv) { return virtual_agent::run(argc, argv); }
