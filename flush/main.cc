// flush: the fast-flush service (see flush_service.h). master.cf:
// `flush unix n - y 1000? 0 flush`.
#include "flush/flush_service.h"

int main(int argc, char** argv) { return fast_flush::run(argc, argv); }
