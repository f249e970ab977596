// qmgr: the queue manager (see qmgr/qmgr.h).
#include "qmgr/qmgr.h"

int main(int argc, char** argv) { return qmgr::run(argc, argv); }
