// Unit tests for the disconnect summary (smtpd/session_counters.h) and the
// Received: header (smtpd/received_header.h).
#include "smtpd/session_counters.h"

#include <catch.hpp>

#include "smtpd/received_header.h"

using namespace smtpd;

TEST_CASE("the disconnect summary lists commands in Postfix's order with OK/TOTAL", "[smtpd]") {
  SessionCounters c;
  c.count("QUIT", true);
  c.count("EHLO", true);
  c.count("RCPT", true);
  c.count("RCPT", false);
  c.count("MAIL", true);
  c.count("FOOBAR", false);
  CHECK(c.summary() == " ehlo=1 mail=1 rcpt=1/2 quit=1 unknown=0/1 commands=4/6");
  SessionCounters empty;
  CHECK(empty.summary() == " commands=0/0");  // as Postfix 3.7.11 logs it
}

TEST_CASE("the Received header has Postfix's shape with one and with more recipients", "[smtpd]") {
  ReceivedInfo r;
  r.helo = "client.example.org";
  r.client_name = "unknown";
  r.client_addr = "127.0.0.2";
  r.myhostname = "mx.example.test";
  r.mail_name = "Postfix";
  r.protocol = "ESMTP";
  r.queue_id = "C448AA74090";
  r.single_recipient = "cmpuser@example.test";
  r.date = "Mon, 23 Nov 2026 09:53:14 +0000 (UTC)";
  auto one = received_header(r);
  REQUIRE(one.size() == 3);
  CHECK(one[0] == "Received: from client.example.org (unknown [127.0.0.2])");
  CHECK(one[1] == "\tby mx.example.test (Postfix) with ESMTP id C448AA74090");
  CHECK(one[2] == "\tfor <cmpuser@example.test>; Mon, 23 Nov 2026 09:53:14 +0000 (UTC)");
  r.single_recipient.clear();
  r.client_addr = "::1";
  r.tls_comment = "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))";
  r.auth_sender = "alice@example.test";
  auto many = received_header(r);
  REQUIRE(many.size() == 5);
  CHECK(many[0] == "Received: from client.example.org (unknown [IPv6:::1])");
  CHECK(many[1] == "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))");
  CHECK(many[2] == "\t(Authenticated sender: alice@example.test)");
  CHECK(many[3] == "\tby mx.example.test (Postfix) with ESMTP id C448AA74090;");
  CHECK(many[4] == "\tMon, 23 Nov 2026 09:53:14 +0000 (UTC)");
}
