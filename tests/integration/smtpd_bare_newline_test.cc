// smtpd_forbid_bare_newline: the same bytes to Debian's Postfix 3.7.11 and
// to our smtpd, the same replies, reject lines and disconnect summaries;
// then what "normalize" and the exclusions do on our side.
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/smtpd_dialogue.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/temp_dir.h"

namespace {

const std::string kReject =
    "mynetworks = 127.0.0.1/32\n"
    "smtpd_forbid_bare_newline = reject\n"
    "smtpd_forbid_bare_newline_exclusions =\n";

// Bare LF in a command (first command, and after EHLO), in DATA content,
// and in a BDAT chunk.
const std::vector<std::vector<std::string>> kDialogues = {
    {"EHLO c.example\n", "NOOP\r\n"},
    {"EHLO c.example\r\n", "MAIL FROM:<a@example.test>\n", "NOOP\r\n"},
    {"HELO c.example\r\n", "MAIL FROM:<a@example.test>\r\n", "RCPT TO:<root@mx.example.test>\r\n",
     "DATA\r\n", "Subject: x\r\n\r\nline1\nline2\r\n.\r\n", "NOOP\r\n", "QUIT\r\n"},
    {"EHLO c.example\r\n", "MAIL FROM:<a@example.test>\r\n", "RCPT TO:<root@mx.example.test>\r\n",
     "BDAT 11 LAST\r\nab\ncd\r\nef\r\n", "QUIT\r\n"},
};

bool skip() {
  return test::skip_unless_root("whole instances switch users") ||
         test::skip_without("/usr/sbin/postfix", "Debian's Postfix 3.7 is the oracle");
}

}  // namespace

TEST_CASE("smtpd_forbid_bare_newline = reject answers and logs as Postfix 3.7.11",
          "[smtpd][oracle]") {
  if (skip()) return;
  smtpd_test::PostfixOracle oracle(kReject + "local_recipient_maps =\n");
  INFO(oracle.why());
  REQUIRE(oracle.ok());
  smtpd_test::SmtpdOptions o;
  o.main_cf = kReject;
  smtpd_test::SmtpdInstance ours(o);
  REQUIRE(ours.start().exit_status == 0);
  const size_t our_start = smtpd_test::log_start(ours);

  for (const auto& steps : kDialogues) {
    auto theirs = smtpd_test::raw_dialogue(oracle.port(), steps);
    auto mine = smtpd_test::raw_dialogue(ours.port(), steps);
    REQUIRE(theirs.size() == mine.size());
    // The banners differ only in the product name.
    for (size_t i = 1; i < mine.size(); ++i) {
      INFO(steps[i - 1]);
      CHECK(mine[i] == theirs[i]);
    }
  }
  const std::string pattern = "bare <LF>|^disconnect from";
  std::vector<std::string> theirs_log, our_log;
  master_test::eventually([&] {
    theirs_log = smtpd_test::smtpd_log_lines(oracle.log(), pattern);
    our_log = smtpd_test::smtpd_log_lines(ours.log().substr(our_start), pattern);
    return theirs_log.size() >= 8 && our_log.size() >= theirs_log.size();
  });
  INFO("their log:\n" << oracle.log() << "\nour log:\n" << ours.log());
  REQUIRE(our_log.size() == theirs_log.size());
  for (size_t i = 0; i < our_log.size(); ++i) CHECK(our_log[i] == theirs_log[i]);
  // The reject line names the command before the bad line, as Postfix does.
  CHECK(our_log[0] ==
        "NOQUEUE: reject: CONNECT from CLIENT[127.0.0.1]: bare <LF> received; proto=SMTP");
}

TEST_CASE(
    "smtpd_forbid_bare_newline: normalize accepts bare LF but ends DATA only at CRLF.CRLF; "
    "excluded clients are not refused",
    "[smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  {
    smtpd_test::SmtpdOptions o;
    o.main_cf = "smtpd_forbid_bare_newline = normalize\nsmtpd_forbid_bare_newline_exclusions =\n";
    smtpd_test::SmtpdInstance s(o);
    REQUIRE(s.start().exit_status == 0);
    auto r = smtpd_test::raw_dialogue(
        s.port(),
        {"HELO c.example\n", "MAIL FROM:<a@example.test>\r\n", "RCPT TO:<root@mx.example.test>\r\n",
         "DATA\r\n", "Subject: n\r\n\r\nbare\n.\nstill content\r\n.\r\n", "QUIT\r\n"});
    REQUIRE(r.size() == 7);
    CHECK(r[1] == "250 mx.example.test");
    CHECK(r[5].starts_with("250 2.0.0 Ok: queued as "));
    REQUIRE(s.wait_for_messages("root", 1));
    CHECK(s.mailbox("root").find("still content") != std::string::npos);
  }
  {
    // The default exclusions ($mynetworks) cover 127.0.0.1.
    smtpd_test::SmtpdOptions o;
    o.main_cf = "smtpd_forbid_bare_newline = reject\nmynetworks = 127.0.0.0/8\n";
    smtpd_test::SmtpdInstance s(o);
    REQUIRE(s.start().exit_status == 0);
    auto r =
        smtpd_test::raw_dialogue(s.port(), {"HELO c.example\n", "MAIL FROM:<a@example.test>\r\n",
                                            "RCPT TO:<root@mx.example.test>\r\n", "DATA\r\n",
                                            "Subject: e\r\n\r\nbare\nline\r\n.\r\n", "QUIT\r\n"});
    REQUIRE(r.size() == 7);
    CHECK(r[1] == "250 mx.example.test");
    CHECK(r[5].starts_with("250 2.0.0 Ok: queued as "));
  }
}
