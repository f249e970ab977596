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
