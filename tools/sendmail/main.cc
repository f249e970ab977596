// sendmail: Postfix's local submission command (also mailq and newaliases,
// chosen by argv[0]). Every fatal error exits 75 (EX_TEMPFAIL).
#include "libutil/log.h"
#include "tools/sendmail/options.h"
#include "tools/sendmail/submit.h"

int main(int argc, char** argv) {
  util::set_program_name("sendmail");
  util::set_fatal_exit_status(75);
  return sendmail::run(sendmail::parse_options(argc, argv));
}
