// smtpd access-table values as Postfix reads them (access(5)).
#include "smtpd/access_action.h"

#include <catch.hpp>

#include "smtpd/restriction_reply.h"

using smtpd::AccessVerb;
using smtpd::parse_access_action;

TEST_CASE("access values: the words Postfix knows, in any case", "[smtpd][access]") {
  CHECK(parse_access_action("OK").verb == AccessVerb::kOk);
  CHECK(parse_access_action("relay").verb == AccessVerb::kOk);
  CHECK(parse_access_action("12345").verb == AccessVerb::kOk);
  CHECK(parse_access_action("DUNNO").verb == AccessVerb::kDunno);
  CHECK(parse_access_action("reject").verb == AccessVerb::kReject);
  auto r = parse_access_action("REJECT  go away now");
  CHECK(r.verb == AccessVerb::kReject);
  CHECK(r.text == "go away now");
  CHECK(parse_access_action("DEFER later").verb == AccessVerb::kDefer);
  CHECK(parse_access_action("DEFER_IF_PERMIT x").verb == AccessVerb::kDeferIfPermit);
  CHECK(parse_access_action("DEFER_IF_REJECT").verb == AccessVerb::kDeferIfReject);
  CHECK(parse_access_action("HOLD").verb == AccessVerb::kHold);
  CHECK(parse_access_action("DISCARD spam").verb == AccessVerb::kDiscard);
  CHECK(parse_access_action("PREPEND X-Tag: 1").text == "X-Tag: 1");
  CHECK(parse_access_action("REDIRECT a@b.example").verb == AccessVerb::kRedirect);
  CHECK(parse_access_action("FILTER smtp:[10.0.0.1]:10025").verb == AccessVerb::kFilter);
  CHECK(parse_access_action("WARN odd").verb == AccessVerb::kWarn);
  CHECK(parse_access_action("BCC x@y.example").verb == AccessVerb::kBcc);
}

TEST_CASE("access values: 4xx/5xx need text, a bare code is all digits (OK)", "[smtpd][access]") {
  auto a = parse_access_action("550 5.1.1 no such user");
  CHECK(a.verb == AccessVerb::kReply);
  CHECK(a.code == 550);
  CHECK(a.text == "5.1.1 no such user");
  CHECK(parse_access_action("450 try later").code == 450);
  CHECK(parse_access_action("554").verb == AccessVerb::kOk);
  CHECK(parse_access_action("250 fine").verb == AccessVerb::kRestrictions);
}

TEST_CASE("access values: tables are refused, other words are restriction names",
          "[smtpd][access]") {
  CHECK(parse_access_action("hash:/etc/postfix/x").verb == AccessVerb::kTableReference);
  auto a = parse_access_action("permit_mynetworks, reject");
  CHECK(a.verb == AccessVerb::kRestrictions);
}

TEST_CASE("dsn_split takes a leading status and dsn_fix fits it to what is rejected",
          "[smtpd][access]") {
  auto d = smtpd::dsn_split("5.7.1", "5.1.1 user unknown");
  CHECK(d.dsn == "5.1.1");
  CHECK(d.text == "user unknown");
  d = smtpd::dsn_split("5.7.1", "no status here");
  CHECK(d.dsn == "5.7.1");
  CHECK(d.text == "no status here");
  d = smtpd::dsn_split("4.7.1", "5.1");
  CHECK(d.dsn == "4.7.1");
  CHECK(smtpd::dsn_fix("5.1.1", smtpd::kClassSender) == "5.1.0");
  CHECK(smtpd::dsn_fix("5.1.8", smtpd::kClassRecipient) == "5.1.2");
  CHECK(smtpd::dsn_fix("4.1.1", smtpd::kClassHelo) == "4.0.0");
  CHECK(smtpd::dsn_fix("5.7.1", smtpd::kClassHelo) == "5.7.1");
}

TEST_CASE("make_reply keeps the status class in step with the code", "[smtpd][access]") {
  auto r = smtpd::make_reply(450, "5.7.1", "text", false);
  CHECK(r.line() == "450 4.7.1 text");
  r = smtpd::make_reply(554, "5.7.1", "text", true);
  CHECK(r.line() == "454 4.7.1 text");
  r = smtpd::make_reply(250, "2.0.0", "x", false);
  CHECK(r.line() == "450 4.7.1 Service unavailable");
}
