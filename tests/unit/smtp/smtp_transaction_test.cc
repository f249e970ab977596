#include "smtp/smtp_transaction.h"

#include <catch.hpp>

#include "libmail/bounce_notice.h"
#include "libmail/queue_file.h"

TEST_CASE("MAIL FROM carries SIZE, BODY, RET and ENVID only where the server allows", "[smtp]") {
  mail::DeliveryRequest req;
  req.sender = "cmpuser@example.test";
  req.data_size = 293;
  req.encoding = "8bit";
  req.dsn_ret = mail::kDsnRetHdrs;
  req.dsn_envid = "id+1";
  smtp::Features none;
  CHECK(smtp::mail_command(req, none) == "MAIL FROM:<cmpuser@example.test>");
  smtp::Features all;
  all.size = all.eightbitmime = all.dsn = true;
  CHECK(smtp::mail_command(req, all) ==
        "MAIL FROM:<cmpuser@example.test> SIZE=293 BODY=8BITMIME RET=HDRS ENVID=id+2B1");
  req.sender.clear();
  req.encoding = "7bit";
  req.dsn_ret = 0;
  req.dsn_envid.clear();
  CHECK(smtp::mail_command(req, all) == "MAIL FROM:<> SIZE=293");
}

TEST_CASE("RCPT TO sends ORCPT (made from the address when missing) and NOTIFY with DSN",
          "[smtp]") {
  mail::DeliveryRecipient r;
  r.address = "far@example.org";
  r.dsn_notify = mail::kDsnNotifySuccess;
  smtp::Features dsn;
  dsn.dsn = true;
  CHECK(smtp::rcpt_command(r, dsn) ==
        "RCPT TO:<far@example.org> ORCPT=rfc822;far@example.org NOTIFY=SUCCESS");
  r.dsn_orcpt = "rfc822;x+y@example.org";
  r.dsn_notify = 0;
  CHECK(smtp::rcpt_command(r, dsn) == "RCPT TO:<far@example.org> ORCPT=rfc822;x+2By@example.org");
  CHECK(smtp::rcpt_command(r, smtp::Features{}) == "RCPT TO:<far@example.org>");
}

TEST_CASE("XFORWARD commands carry the message's logged origin, as Postfix 3.7.11 sends them",
          "[smtp]") {
  mail::DeliveryRequest r;
  r.log_client_name = "fwd.example";
  r.log_client_addr = "10.1.1.1";
  r.log_client_port = "2525";
  r.log_protocol_name = "SMTP";
  r.log_helo_name = "fh.example";
  r.log_ident = "abc123";
  r.rewrite_context = "local";
  const int all = smtp::kXforwardName | smtp::kXforwardAddr | smtp::kXforwardPort |
                  smtp::kXforwardProto | smtp::kXforwardHelo | smtp::kXforwardIdent |
                  smtp::kXforwardSource;
  CHECK(smtp::xforward_commands(r, all) ==
        std::vector<std::string>{"XFORWARD NAME=fwd.example ADDR=10.1.1.1 PORT=2525",
                                 "XFORWARD PROTO=SMTP HELO=fh.example IDENT=abc123 SOURCE=LOCAL"});
  // Unknown names are left out, IPv6 gets its prefix, unannounced ones too.
  r.log_client_name = "unknown";
  r.log_client_addr = "2001:db8::1";
  CHECK(smtp::xforward_commands(r, smtp::kXforwardName | smtp::kXforwardAddr) ==
        std::vector<std::string>{"XFORWARD ADDR=IPV6:2001:db8::1"});
  // A local submission has only its source (observed: "XFORWARD SOURCE=LOCAL").
  mail::DeliveryRequest local;
  local.rewrite_context = "local";
  CHECK(smtp::xforward_commands(local, all) == std::vector<std::string>{"XFORWARD SOURCE=LOCAL"});
  auto ehlo = smtp::make_reply(
      {"250-mx.example\r", "250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r", "250 DSN\r"});
  CHECK(smtp::parse_ehlo(ehlo).xforward == all);
}
