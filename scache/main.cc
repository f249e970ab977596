// scache: the shared SMTP connection cache (see scache_service.h).
#include "scache/scache_service.h"

int main(int argc, char** argv) { return scache::run(argc, argv); }
