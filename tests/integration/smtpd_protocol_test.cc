// smtpd under master: the protocol as Postfix 3.7 speaks it (compat
// smtp-replies.md), the cleanup records and Received header of a queued
// message, and the smtpd log lines. Tests tagged [restrictions] need the
// real restriction engine (the placeholder refuses every RCPT).
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/smtpd_fixture.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;
using smtpd_test::SmtpdOptions;

namespace {

std::string ask(test::SmtpClient& c, const std::string& line) {
  auto r = c.command(line);
  return r ? r->text() : "(no reply: " + r.error().message + ")";
}

const char* const kEhloDefault =
    "250-mx.example.test\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n"
    "250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING";

}  // namespace

TEST_CASE("smtpd greets and answers HELO, EHLO, NOOP, RSET, QUIT and unknown commands as Postfix",
          "[smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdInstance s;
  auto started = s.start();
  REQUIRE(started.exit_status == 0);
  test::SmtpReplyLines banner;
  auto c = s.connect(&banner);
  REQUIRE(c);
  CHECK(banner.text() == "220 mx.example.test ESMTP Postfix");
  CHECK(ask(*c, "FOOBAR") == "500 5.5.2 Error: command not recognized");
  CHECK(ask(*c, "HELO") == "501 Syntax: HELO hostname");
  CHECK(ask(*c, "EHLO") == "501 Syntax: EHLO hostname");
  CHECK(ask(*c, "HELO client.example.org") == "250 mx.example.test");
  CHECK(ask(*c, "ehlo client.example.org") == kEhloDefault);
  CHECK(ask(*c, "NOOP") == "250 2.0.0 Ok");
  CHECK(ask(*c, "NOOP arg") == "250 2.0.0 Ok");
  CHECK(ask(*c, "RSET") == "250 2.0.0 Ok");
  CHECK(ask(*c, "RSET arg") == "501 5.5.4 Syntax: RSET");
  CHECK(ask(*c, "EXPN root") == "500 5.5.2 Error: command not recognized");
  CHECK(ask(*c, "HELP") == "500 5.5.2 Error: command not recognized");
  CHECK(ask(*c, "VRFY") == "501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
  CHECK(ask(*c, "STARTTLS") == "502 5.5.1 Error: command not implemented");
  CHECK(ask(*c, "AUTH PLAIN AGFiYwBkZWY=") == "503 5.5.1 Error: authentication not enabled");
  CHECK(ask(*c, "XCLIENT NAME=foo") == "550 5.7.0 Error: insufficient authorization");
  CHECK(ask(*c, "XFORWARD NAME=foo") == "550 5.7.0 Error: insufficient authorization");
  CHECK(ask(*c, "QUIT now") == "221 2.0.0 Bye");
  CHECK(c->closed_within(std::chrono::seconds(5)));
  INFO(s.log());
  CHECK(s.log_has("postfix/smtpd["));
  CHECK(s.log_has(": connect from unknown[127.0.0.1]"));
  CHECK(
      s.log_has(": disconnect from unknown[127.0.0.1] helo=1/2 ehlo=1/2 xclient=0/1 "
                "xforward=0/1 starttls=0/1 auth=0/1 rset=1/2 noop=2 vrfy=0/1 quit=1 "
                "unknown=0/3 commands=6/17"));
}

TEST_CASE("smtpd answers envelope syntax errors with Postfix's replies", "[smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_hard_error_limit=100"};  // more errors than the default 20
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "EHLO client.example.org") == kEhloDefault);
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "503 5.5.1 Error: need MAIL command");
  CHECK(ask(*c, "DATA") == "503 5.5.1 Error: need RCPT command");
  CHECK(ask(*c, "MAIL") == "501 5.5.4 Syntax: MAIL FROM:<address>");
  CHECK(ask(*c, "MAIL FROM:") == "501 5.5.4 Syntax: MAIL FROM:<address>");
  CHECK(ask(*c, "MAIL <x@example.org>") == "501 5.5.4 Syntax: MAIL FROM:<address>");
  CHECK(ask(*c, "MAIL FROM:<bad address@x>") == "501 5.1.7 Bad sender address syntax");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> FOO=BAR") == "555 5.5.4 Unsupported option: FOO=BAR");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> BODY=BOGUS") ==
        "555 5.5.4 Unsupported option: BODY=BOGUS");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> RET=BOGUS") == "501 5.5.4 Bad RET parameter syntax");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> ENVID=") == "501 5.5.4 Bad ENVID parameter syntax");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> SMTPUTF8 \xff") == "500 5.5.2 Error: bad UTF-8 syntax");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> AUTH=<>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "MAIL FROM:<b@example.org>") == "503 5.5.1 Error: nested MAIL command");
  CHECK(ask(*c, "XCLIENT NAME=foo") == "503 5.5.1 Error: MAIL transaction in progress");
  CHECK(ask(*c, "ETRN example.test") == "503 Error: MAIL transaction in progress");
  CHECK(ask(*c, "RCPT TO:<bad address@x>") == "501 5.1.3 Bad recipient address syntax");
  CHECK(ask(*c, "RCPT TO:<>") == "501 5.1.3 Bad recipient address syntax");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test> NOTIFY=BOGUS") ==
        "501 5.5.4 Error: Bad NOTIFY parameter syntax");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test> FOO=BAR") ==
        "555 5.5.4 Unsupported option: FOO=BAR");
  CHECK(ask(*c, "DATA extra") == "501 5.5.4 Syntax: DATA");
  CHECK(ask(*c, "DATA") == "554 5.5.1 Error: no valid recipients");
  CHECK(ask(*c, "RSET") == "250 2.0.0 Ok");
  CHECK(ask(*c, "MAIL FROM:x@example.org") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RSET") == "250 2.0.0 Ok");
  CHECK(ask(*c, "MAIL FROM:<a@example.org> RET=FULL ENVID=x BODY=8BITMIME SIZE=100") ==
        "250 2.1.0 Ok");
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  CHECK(
      s.log_has("warning: Illegal address syntax from unknown[127.0.0.1] in MAIL command: "
                "<bad address@x>"));
}

TEST_CASE("smtpd ETRN: syntax, refused domains and smtpd_helo_required", "[smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  SmtpdOptions o;
  o.smtpd_options = {"smtpd_helo_required=yes", "disable_vrfy_command=yes",
                     "message_size_limit=2000"};
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "503 5.5.1 Error: send HELO/EHLO first");
  CHECK(ask(*c, "EHLO client.example.org") ==
        "250-mx.example.test\n250-PIPELINING\n250-SIZE 2000\n250-ETRN\n"
        "250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING");
  CHECK(ask(*c, "VRFY root") == "502 5.5.1 VRFY command is disabled");
  CHECK(ask(*c, "ETRN") == "500 Syntax: ETRN domain");
  CHECK(ask(*c, "ETRN example.test") == "459 <example.test>: service unavailable");
  CHECK(ask(*c, "ETRN @example.test") == "459 <example.test>: service unavailable");
  CHECK(ask(*c, "ETRN #example.test") == "459 <example.test>: service unavailable");
  // SIZE= above the limit, and (as Postfix) every MAIL after it until RSET.
  CHECK(ask(*c, "MAIL FROM:<sender@example.org> SIZE=5000") ==
        "552 5.3.4 Message size exceeds fixed limit");
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "552 5.3.4 Message size exceeds fixed limit");
  CHECK(ask(*c, "RSET") == "250 2.0.0 Ok");
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "QUIT") == "221 2.0.0 Bye");
  CHECK(s.log_has("warning: reject: ETRN example.test... from unknown[127.0.0.1]"));
  CHECK(
      s.log_has("NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 552 5.3.4 Message size exceeds "
                "fixed limit; from=<sender@example.org> proto=ESMTP helo=<client.example.org>"));
}
