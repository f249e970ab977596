// postdrop: store a local submission (records from sendmail on stdin) as
// maildrop/ID and wake pickup. Meant to be installed set-gid postdrop.
#include "tools/postdrop/postdrop.h"

int main(int argc, char** argv) { return postdrop::run(argc, argv); }
