#include "smtpd/xclient_attrs.h"

#include <catch.hpp>

TEST_CASE("XCLIENT attributes are decoded and checked with Postfix's error texts", "[smtpd]") {
  auto a = smtpd::parse_xclient(
      "NAME=foo.example ADDR=10.0.0.5 PORT=1234 PROTO=esmtp HELO=h.example LOGIN=bob+40x "
      "DESTADDR=IPV6:2001:db8::1 DESTPORT=587 reverse_name=[UNAVAILABLE]");
  REQUIRE(a);
  CHECK(a->name == "foo.example");
  CHECK(a->addr == "10.0.0.5");
  CHECK(a->port == "1234");
  CHECK(a->proto == "ESMTP");
  CHECK(a->helo == "h.example");
  CHECK(a->login == "bob@x");  // xtext
  CHECK(a->destaddr == "2001:db8::1");
  CHECK(a->destport == "587");
  CHECK(a->reverse_name == "");  // given as unavailable
  auto only = smtpd::parse_xclient("NAME=[TEMPUNAVAIL]");
  REQUIRE(only);
  CHECK(only->name == "");
  CHECK_FALSE(only->addr.has_value());

  CHECK(smtpd::parse_xclient("").error() == "Syntax: XCLIENT attribute=value...");
  CHECK(smtpd::parse_xclient("FOO=bar").error() == "Bad XCLIENT attribute name: FOO");
  CHECK(smtpd::parse_xclient("NAME").error() == "Error: attribute=value expected");
  CHECK(smtpd::parse_xclient("ADDR=bogus").error() == "Bad ADDR syntax: bogus");
  CHECK(smtpd::parse_xclient("ADDR=2001:db8::1").error() == "Bad ADDR syntax: 2001:db8::1");
  CHECK(smtpd::parse_xclient("PORT=abc").error() == "Bad PORT syntax: abc");
  CHECK(smtpd::parse_xclient("PORT=70000").error() == "Bad PORT syntax: 70000");
  CHECK(smtpd::parse_xclient("PROTO=FOO").error() == "Bad PROTO syntax: FOO");
  CHECK(smtpd::parse_xclient("HELO=a+0Ab").error() == "Bad HELO syntax: a+0Ab");
}

TEST_CASE("XFORWARD attributes are decoded and checked with Postfix's error texts", "[smtpd]") {
  auto a = smtpd::parse_xforward(
      "NAME=fwd.example ADDR=10.1.1.1 PORT=2525 PROTO=ESMTP HELO=fh.example IDENT=abc123 "
      "SOURCE=remote");
  REQUIRE(a);
  CHECK(a->name == "fwd.example");
  CHECK(a->addr == "10.1.1.1");
  CHECK(a->ident == "abc123");
  CHECK(a->source == "REMOTE");
  CHECK(smtpd::parse_xforward("NAME=[UNAVAILABLE]")->name == "");
  CHECK(smtpd::parse_xforward("").error() == "Syntax: XFORWARD attribute=value...");
  CHECK(smtpd::parse_xforward("FOO=1").error() == "Bad XFORWARD attribute name: FOO");
  CHECK(smtpd::parse_xforward("ADDR=bogus").error() == "Bad ADDR syntax: bogus");
  // Observed: XFORWARD takes no [TEMPUNAVAIL] address.
  CHECK(smtpd::parse_xforward("ADDR=[TEMPUNAVAIL]").error() == "Bad ADDR syntax: [TEMPUNAVAIL]");
  CHECK(smtpd::parse_xforward("SOURCE=elsewhere").error() == "Bad SOURCE syntax: elsewhere");
  CHECK(smtpd::parse_xclient("LOGIN=x").has_value());
  CHECK_FALSE(smtpd::parse_xforward("LOGIN=x").has_value());
}
