// Our log line formatting against Postfix's own (postlog writing straight
// to maillog_file): same host, tag, pid framing and the same replacement of
// control and 8-bit bytes.
#include <catch.hpp>
#include <ctime>
#include <regex>

#include "libmail/mail_log.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

TEST_CASE("log lines are framed and sanitised as Postfix's postlog writes them", "[log][interop]") {
  if (test::skip_without("/usr/sbin/postlog", "interop")) return;
  test::TempDir dir;
  dir.write("main.cf", "maillog_file = " + dir.file("maillog") +
                           "\nmaillog_file_prefixes = /tmp\nmyhostname = mx.example.test\n");
  std::string text = "a\tb\x7f" "c\xc3\xa9" "d\x01 end";
  auto r = test::run({"/usr/sbin/postlog", "-c", dir.path(), text});
  REQUIRE(r.exit_status == 0);
  std::string theirs = dir.read("maillog");
  REQUIRE(!theirs.empty());
  theirs.pop_back();  // newline
  std::smatch m;
  REQUIRE(std::regex_match(theirs, m, std::regex(R"(^([A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}) (.*)\[(\d+)\]: (.*)$)")));
  std::string ours = mail::format_log_line(std::time(nullptr), mail::short_hostname("mx.example.test"),
                                           mail::log_tag("postfix", "postlog"), std::stol(m[3]), text);
  // Everything after the timestamp is identical; the timestamp has the same shape.
  CHECK(ours.substr(16) == theirs.substr(16));
  CHECK(std::regex_match(ours.substr(0, 15), std::regex(R"([A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2})")));
}
