// postconf: show or edit main.cf and master.cf (Postfix 3.7 compatible).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/postconf/commands.h"
#include "tools/postconf/options.h"
#include "libutil/log.h"

int main(int argc, char** argv) {
  // Postfix names itself by argv[0] as invoked ("/usr/sbin/postconf: ...").
  util::set_program_name(argc > 0 ? argv[0] : "postconf");
  postconf::Options options = postconf::parse_options(argc, argv);
  int status = postconf::run(options);
  std::fflush(stdout);
  return status;
}
