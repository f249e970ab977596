// trivial-rewrite: answers rewrite and resolve requests on private/rewrite
// (see rewrite_service.h for the protocol).
#include "trivial-rewrite/rewrite_service.h"

int main(int argc, char** argv) { return trivial_rewrite::run(argc, argv); }
