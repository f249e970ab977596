// "improper command pipelining after CMD from CLIENT: TEXT": the same
// early-talking clients against Debian's Postfix 3.7.11 and our smtpd give
// the same log lines (once per session, what came early quoted) and the
// same replies; pipelining that RFC 2920 allows after EHLO logs nothing.
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/smtpd_dialogue.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"

namespace {

// Each step is sent as one write; "" reads the next reply of a group.
const std::vector<std::vector<std::string>> kSessions = {
    {"EHLO c.example\r\nMAIL FROM:<a@example.test>\r\n", "", "QUIT\r\n"},
    {"NOOP\r\nNOOP\r\n", "", "QUIT\r\n"},
    {"EHLO c.example\r\n", "MAIL FROM:<a@example.test>\r\nRCPT TO:<root@mx.example.test>\r\n", "",
     "RSET\r\nNOOP\r\n", "", "VRFY root\r\nNOOP\r\n", "", "NOOP\r\nNOOP\r\n", "", "QUIT\r\n"},
    {"EHLO c.example\r\n", "MAIL FROM:<a@example.test>\r\n", "RCPT TO:<root@mx.example.test>\r\n",
     "DATA\r\nSubject: early\r\n", "\r\nbody\r\n.\r\n", "QUIT\r\n"},
    {"HELO c.example\r\n", "MAIL FROM:<a@example.test>\r\nRCPT TO:<root@mx.example.test>\r\n", "",
     "QUIT\r\n"},
};

}  // namespace

TEST_CASE("improper command pipelining is logged as Postfix 3.7.11 logs it", "[smtpd][oracle]") {
  if (test::skip_unless_root("whole instances switch users") ||
      test::skip_without("/usr/sbin/postfix", "Debian's Postfix 3.7 is the oracle"))
    return;
  const std::string config = "mynetworks = 127.0.0.1/32\n";
  smtpd_test::PostfixOracle oracle(config);
  INFO(oracle.why());
  REQUIRE(oracle.ok());
  smtpd_test::SmtpdOptions o;
  o.main_cf = config;
  smtpd_test::SmtpdInstance ours(o);
  REQUIRE(ours.start().exit_status == 0);
  const size_t our_start = smtpd_test::log_start(ours);

  for (const auto& steps : kSessions) {
    auto theirs = smtpd_test::raw_dialogue(oracle.port(), steps);
    auto mine = smtpd_test::raw_dialogue(ours.port(), steps);
    REQUIRE(theirs.size() == mine.size());
    for (size_t i = 1; i < mine.size(); ++i) {
      INFO(steps[i - 1]);
      if (mine[i].find("queued as") != std::string::npos)
        CHECK(theirs[i].find("queued as") != std::string::npos);
      else
        CHECK(mine[i] == theirs[i]);
    }
  }
  const std::string pattern = "improper command pipelining|^disconnect from";
  std::vector<std::string> theirs_log, our_log;
  master_test::eventually([&] {
    theirs_log = smtpd_test::smtpd_log_lines(oracle.log(), pattern);
    our_log = smtpd_test::smtpd_log_lines(ours.log().substr(our_start), pattern);
    return theirs_log.size() >= 10 && our_log.size() >= theirs_log.size();
  });
  INFO("their log:\n" << oracle.log() << "\nour log:\n" << ours.log());
  REQUIRE(our_log.size() == theirs_log.size());
  for (size_t i = 0; i < our_log.size(); ++i) CHECK(our_log[i] == theirs_log[i]);
  CHECK(our_log[0] ==
        "improper command pipelining after EHLO from CLIENT[127.0.0.1]: MAIL "
        "FROM:<a@example.test>\\r\\n");
}

TEST_CASE("a client that talks before the greeting is logged 'after CONNECT'", "[smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtpd_test::SmtpdInstance ours;
  REQUIRE(ours.start().exit_status == 0);
  auto c = test::SmtpClient::connect("127.0.0.1", ours.port(), std::chrono::seconds(10));
  REQUIRE(c);
  // Sent at once, before the server can have greeted.
  REQUIRE(c->send_raw("EHLO early.example\r\n"));
  auto banner = c->read_reply();
  REQUIRE(banner);
  CHECK(banner->code == 220);
  auto ehlo = c->read_reply();
  REQUIRE(ehlo);
  CHECK(ehlo->code == 250);
  CHECK(
      ours.log_has("improper command pipelining after CONNECT from unknown[127.0.0.1]: EHLO "
                   "early.example\\r\\n"));
}
