#include "libmail/bounce_log.h"

#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("Postfix's defer logs parse into their recipients with every field", "[bounce]") {
  auto one = mail::parse_bounce_log(slurp(test::data_file("bounce/defer-logfile-1rcpt.txt")), "x");
  REQUIRE(one.warnings.empty());
  REQUIRE(one.entries.size() == 1);
  const auto& e = one.entries[0];
  REQUIRE(e.recipient == "remote@example.org");
  REQUIRE(e.offset == 771);
  REQUIRE(e.dsn_orig_rcpt == "rfc822;remote@example.org");
  REQUIRE(e.notify_flags == 12);
  REQUIRE(e.status == "4.4.1");
  REQUIRE(e.action == "delayed");
  REQUIRE(e.reason == "connect to 127.0.0.1[127.0.0.1]:24999: Connection refused");

  auto three = mail::parse_bounce_log(slurp(test::data_file("bounce/defer-logfile-3rcpt.txt")), "x");
  REQUIRE(three.warnings.empty());
  REQUIRE(three.entries.size() == 3);
  REQUIRE(three.entries[1].recipient == "len1@example.org");
  REQUIRE(three.entries[1].diag_text == "450 4.2.0 t");
  REQUIRE(three.entries[1].mta_type == "dns");
  REQUIRE(three.entries[1].mta_mname == "127.0.0.1");
  REQUIRE(three.entries[2].offset == 403);
}

TEST_CASE("a formatted entry parses back to the same entry", "[bounce]") {
  mail::BounceLogEntry e;
  e.recipient = "a@example.test";
  e.orig_rcpt = "alias@example.test";
  e.offset = 99;
  e.dsn_orig_rcpt = "rfc822;alias@example.test";
  e.notify_flags = 4;
  e.status = "5.1.1";
  e.action = "failed";
  e.reason = "unknown user: \"a\"";
  e.diag_type = "smtp";
  e.diag_text = "550 5.1.1 no = such";
  e.mta_type = "dns";
  e.mta_mname = "mx.example.test";
  auto p = mail::parse_bounce_log(mail::format_bounce_log_entry(e), "x");
  REQUIRE(p.entries.size() == 1);
  const auto& b = p.entries[0];
  REQUIRE(b.recipient == e.recipient);
  REQUIRE(b.orig_rcpt == e.orig_rcpt);
  REQUIRE(b.offset == e.offset);
  REQUIRE(b.dsn_orig_rcpt == e.dsn_orig_rcpt);
  REQUIRE(b.notify_flags == e.notify_flags);
  REQUIRE(b.status == e.status);
  REQUIRE(b.action == e.action);
  REQUIRE(b.reason == e.reason);
  REQUIRE(b.diag_type == e.diag_type);
  REQUIRE(b.diag_text == e.diag_text);
  REQUIRE(b.mta_type == e.mta_type);
  REQUIRE(b.mta_mname == e.mta_mname);
}

TEST_CASE("malformed or torn blocks are skipped with a warning naming the file", "[bounce]") {
  std::string good = "\n<a@x>: r\nrecipient=a@x\nstatus=5.0.0\nreason=r\n\n";
  std::string text = good + "\nrecipient=b@x\noffset=12z\nstatus=5.0.0\nreason=r\n\n" +
                     "\njunk line\n\n" + good + "\n<c@x>: r\nrecipient=c@x\nstatus=4.0.0\n";
  auto p = mail::parse_bounce_log(text, "bounce/ABC");
  REQUIRE(p.entries.size() == 2);
  REQUIRE(p.warnings.size() == 3);
  REQUIRE(p.warnings[0] == "bounce/ABC: skipping malformed entry 2: bad offset \"12z\"");
  REQUIRE(p.warnings[1].starts_with("bounce/ABC: skipping malformed entry 3: bad line"));
  REQUIRE(p.warnings[2] == "bounce/ABC: skipping malformed entry 5: missing reason");
}

TEST_CASE("the log parser bounds line length and entry count", "[bounce]") {
  std::string good = "\nrecipient=a@x\nstatus=5.0.0\nreason=r\n\n";
  mail::BounceLogLimits limits;
  limits.max_line = 50;
  limits.max_entries = 2;
  std::string text = good + "\nrecipient=" + std::string(200, 'x') + "\nstatus=5.0.0\nreason=r\n\n" +
                     good + good;
  auto p = mail::parse_bounce_log(text, "f", limits);
  REQUIRE(p.entries.size() == 2);
  REQUIRE(p.warnings.size() == 2);
  REQUIRE(p.warnings[0] == "f: skipping malformed entry 2: line too long");
  REQUIRE(p.warnings[1] == "f: too many entries; skipping entry 4");
}

TEST_CASE("reading a missing log file reports the path and errno", "[bounce]") {
  test::TempDir dir;
  auto r = mail::read_bounce_log(dir.file("nosuch"));
  REQUIRE_FALSE(r);
  REQUIRE(r.error().sys_errno == ENOENT);
  REQUIRE(r.error().message.find("nosuch") != std::string::npos);
}
