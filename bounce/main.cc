// bounce: the bounce, defer and trace services (one program, three master.cf
// names): appends per-recipient outcomes to the message's log and turns a
// log into a notice mailed back through cleanup (see bounce_service.h).
#include "bounce/bounce_service.h"

int main(int argc, char** argv) { return bounce::run(argc, argv); }
