// postqueue: see postqueue.h.
#include "tools/postqueue/postqueue.h"

int main(int argc, char** argv) { return postqueue::run(argc, argv); }
