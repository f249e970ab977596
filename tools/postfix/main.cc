// postfix: control the mail system (see postfix_command.h).
#include "tools/postfix/postfix_command.h"

int main(int argc, char** argv) { return postfix_cmd::run(argc, argv); }
