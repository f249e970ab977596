// showq: lists the mail queue for postqueue -p/-j and mailq (see
// showq_service.h). master.cf: `showq unix n - y - - showq`.
#include "showq/showq_service.h"

int main(int argc, char** argv) { return showq::run(argc, argv); }
