// The same restriction configuration in Debian's Postfix 3.7 (an alternate
// instance) and in our smtpd, the same SMTP dialogue against both: every
// reply and every reject/warn log line must be the same (client names and
// queue ids normalised). This keeps the texts honest as both sides change.
#include <sys/stat.h>

#include <catch.hpp>
#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/integration/master_fixture.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_interop.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/smtp_client.h"
#include "tests/support/temp_dir.h"

namespace {

using smtpd_test::policy_lines;
using smtpd_test::run_dialogue;

// The restriction part of main.cf, shared by both instances. ACCESS is the
// access table's path.
const char* kRestrictions =
    "mynetworks = 127.0.0.2/32\n"
    "relay_domains = relay.example, sub.example.net, d.example, dsn.example, cls.example, "
    "dip.example, w.example\n"
    "relay_recipient_maps = inline:{known@relay.example=1}\n"
    "smtpd_helo_restrictions = warn_if_reject reject_non_fqdn_helo_hostname\n"
    "smtpd_sender_restrictions = check_sender_access inline:{{badsender@example.org=REJECT go "
    "away}}\n"
    "smtpd_recipient_restrictions = check_recipient_access hash:ACCESS, "
    "reject_non_fqdn_recipient, check_sender_access inline:{{spam2@example.org=REJECT no}}\n"
    "smtpd_restriction_classes = strict\n"
    "strict = reject\n";

const char* kAccess =
    "sub.example.net REJECT text\n"
    "d.example 450 try later\n"
    "dsn.example 550 5.1.8 odd\n"
    "cls.example strict\n"
    "dip.example DEFER_IF_PERMIT\n"
    "w.example WARN look at this\n";

const std::vector<std::string> kDialogue = {
    "EHLO localhost",
    "MAIL FROM:<sender@example.org>",
    "RCPT TO:<someone@elsewhere.example>",
    "RCPT TO:<nosuchuser@mx.example.test>",
    "RCPT TO:<root@mx.example.test>",
    "RCPT TO:<known@relay.example>",
    "RCPT TO:<other@relay.example>",
    "RCPT TO:<full@sub.example.net>",
    "RCPT TO:<x@d.example>",
    "RCPT TO:<x@dsn.example>",
    "RCPT TO:<x@cls.example>",
    "RCPT TO:<x@dip.example>",
    "RCPT TO:<x@w.example>",
    "RCPT TO:<alice>",
    "RCPT TO:<postmaster>",
    "RSET",
    "MAIL FROM:<badsender@example.org>",
    "RCPT TO:<root@mx.example.test>",
    "RSET",
    "MAIL FROM:<spam2@example.org>",
    "RCPT TO:<root@mx.example.test>",
    "QUIT",
};

// Run `dialogue` against both and compare replies and policy log lines.
void compare_with_postfix(const std::string& restrictions, const std::string& access_text,
                          const std::vector<std::string>& dialogue, std::size_t min_lines) {
  // min_lines: how many reject/warn lines Postfix logs for the dialogue.
  smtpd_test::PostfixOracle oracle(restrictions, access_text);
  INFO(oracle.why());
  REQUIRE(oracle.ok());

  smtpd_test::SmtpdInstance ours;
  smtpd_test::add_oracle_config(ours, restrictions, access_text);
  REQUIRE(ours.start().exit_status == 0);

  std::vector<std::string> theirs_replies = run_dialogue(oracle.port(), dialogue);
  std::vector<std::string> our_replies = run_dialogue(ours.port(), dialogue);
  REQUIRE(theirs_replies.size() == our_replies.size());
  for (std::size_t i = 0; i < our_replies.size(); ++i) CHECK(our_replies[i] == theirs_replies[i]);

  // Wait until both logs hold all the lines (postlogd writes asynchronously).
  std::vector<std::string> theirs_log, our_log;
  master_test::eventually([&] {
    theirs_log = policy_lines(oracle.log());
    our_log = policy_lines(ours.log());
    return theirs_log.size() >= min_lines && our_log.size() == theirs_log.size();
  });
  INFO("their log:\n" << oracle.log());
  REQUIRE(our_log.size() == theirs_log.size());
  for (std::size_t i = 0; i < our_log.size(); ++i) CHECK(our_log[i] == theirs_log[i]);
}

}  // namespace

TEST_CASE("our smtpd and Debian's Postfix 3.7 give the same restriction replies and log lines",
          "[smtpd][restrictions][interop][slow]") {
  if (test::skip_unless_root("both instances switch users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here")) return;
  compare_with_postfix(kRestrictions, kAccess, kDialogue, 27);
}

TEST_CASE("our smtpd and Debian's Postfix 3.7 agree on DNS, data, etrn and broken-table checks",
          "[smtpd][restrictions][interop][slow]") {
  if (test::skip_unless_root("both instances switch users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here")) return;
  const std::string restrictions =
      "mynetworks = 127.0.0.0/8\n"
      "smtpd_sender_restrictions = reject_non_fqdn_sender, reject_unknown_sender_domain\n"
      "smtpd_recipient_restrictions = reject_unknown_recipient_domain, check_recipient_access "
      "hash:ACCESS, check_recipient_access inline:{broken.example=broken}, permit\n"
      "smtpd_restriction_classes = broken\n"
      "broken = check_recipient_access hash:/nonexistent/table\n"
      "smtpd_data_restrictions = reject_multi_recipient_bounce\n"
      "smtpd_etrn_restrictions = check_etrn_access inline:{bad.example=REJECT}\n";
  const std::vector<std::string> dialogue = {
      "EHLO client.example.org",
      "ETRN bad.example",
      "MAIL FROM:<s@no-such-domain.invalid>",
      "RCPT TO:<root@mx.example.test>",
      "RSET",
      "MAIL FROM:<s@localhost>",
      "RCPT TO:<root@mx.example.test>",
      "RSET",
      "MAIL FROM:<>",
      "RCPT TO:<x@nowhere.invalid>",
      "RCPT TO:<x@broken.example>",
      "RCPT TO:<x@hold.example>",
      "RCPT TO:<root@mx.example.test>",
      "RCPT TO:<postmaster@mx.example.test>",
      "DATA",
      "QUIT",
  };
  compare_with_postfix(restrictions, "hold.example HOLD\n", dialogue, 8);
}
