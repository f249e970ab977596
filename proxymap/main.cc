// proxymap: the proxymap and proxywrite services (see proxymap_service.h).
#include "proxymap/proxymap_service.h"

int main(int argc, char** argv) { return proxymap::run(argc, argv); }
