// postconf -b / -t: the bounce templates, built in or from a file, printed
// as Postfix 3.7 prints them (outputs recorded from Postfix in
// tests/data/bounce, and compared with the oracle when it is installed).
#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("postconf -b and -t print the built-in bounce templates as Postfix does", "[postconf]") {
  test::TempDir dir;
  dir.write("main.cf", "myhostname = mx.example.test\n");
  auto b = test::run({test::command("postconf"), "-c", dir.path(), "-b"});
  CHECK(b.exit_status == 0);
  CHECK(b.out == slurp(test::data_file("bounce/postconf-b.txt")));
  auto t = test::run({test::command("postconf"), "-c", dir.path(), "-t"});
  CHECK(t.exit_status == 0);
  CHECK(t.out == slurp(test::data_file("bounce/postconf-t.txt")));
}

TEST_CASE("postconf -b warns as Postfix when a delay template time truncates to zero",
          "[postconf]") {
  test::TempDir dir;
  dir.write("main.cf", "myhostname = mx.example.test\ndelay_warning_time = 30m\n");
  auto b = test::run({test::command("postconf"), "-c", dir.path(), "-b"});
  CHECK(b.exit_status == 0);
  CHECK(b.err ==
        "postfix/bounce: warning: [built-in]: zero result in delay template conversion of "
        "parameter \"delay_warning_time_hours\"\n"
        "postfix/bounce: warning: please reduce time unit \"hours\" of "
        "\"delay_warning_time_hours\" in delay template\n"
        "postfix/bounce: warning: for instructions see the bounce(5) manual\n");
  CHECK(b.out.find("for more than 0 hour(s).\n") != std::string::npos);
}

TEST_CASE("postconf -t and -b read templates from a file like Postfix", "[postconf][interop]") {
  if (test::skip_without("/usr/sbin/postconf", "interop")) return;
  test::TempDir dir;
  std::string tmpl = dir.write("templates.cf",
                               "# custom\n"
                               "failure_template = <<EOF\n"
                               "Subject: Bounced at $myhostname\n"
                               "\n"
                               "Sorry from $mail_name at ${myhostname}.\n"
                               "Lifetime $maximal_queue_lifetime_hours hours.\n"
                               "EOF\n"
                               "\n"
                               "verify_template = <<EOF\n"
                               "X-Unknown: y\n"
                               "\n"
                               "text\n"
                               "EOF\n"
                               "bogus_template = <<EOF\n"
                               "Subject: z\n"
                               "\n"
                               "q\n"
                               "EOF\n");
  dir.write("main.cf", "myhostname = mx.example.test\nbounce_template_file = " + tmpl + "\n");
  for (const char* flag : {"-t", "-b"}) {
    INFO(flag);
    auto ours = test::run({test::command("postconf"), "-c", dir.path(), flag});
    auto theirs = test::run({"/usr/sbin/postconf", "-c", dir.path(), flag});
    CHECK(ours.exit_status == theirs.exit_status);
    CHECK(ours.out == theirs.out);
    CHECK(ours.err == theirs.err);
  }
}
