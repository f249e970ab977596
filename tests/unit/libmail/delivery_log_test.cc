#include "libmail/delivery_log.h"

#include <catch.hpp>
#include <string>

TEST_CASE("delays print every value Postfix was observed to log", "[delivery]") {
  // logging.md §2.4: 0 0.01 0.02 0.05 0.06 0.07 0.08 1.1 3 7 18 19 37 39 93
  // 152 153 206 214 245 352.
  CHECK(mail::format_delay(0) == "0");
  CHECK(mail::format_delay(0.01) == "0.01");
  CHECK(mail::format_delay(0.02) == "0.02");
  CHECK(mail::format_delay(0.05) == "0.05");
  CHECK(mail::format_delay(0.06) == "0.06");
  CHECK(mail::format_delay(0.07) == "0.07");
  CHECK(mail::format_delay(0.08) == "0.08");
  CHECK(mail::format_delay(1.1) == "1.1");
  CHECK(mail::format_delay(3) == "3");
  CHECK(mail::format_delay(7) == "7");
  for (int s : {18, 19, 37, 39, 93, 152, 153, 206, 214, 245, 352})
    CHECK(mail::format_delay(s) == std::to_string(s));
}

TEST_CASE("delays keep two decimals under a second, one under ten, none above", "[delivery]") {
  CHECK(mail::format_delay(0.004) == "0");
  CHECK(mail::format_delay(0.1) == "0.1");
  CHECK(mail::format_delay(0.123) == "0.12");
  CHECK(mail::format_delay(0.999) == "0.99");
  CHECK(mail::format_delay(1.0) == "1");
  CHECK(mail::format_delay(1.25) == "1.2");
  CHECK(mail::format_delay(9.96) == "9.9");
  CHECK(mail::format_delay(10.7) == "10");
  CHECK(mail::format_delay(18.4) == "18");
}

TEST_CASE("a negative delay from a clock step prints as zero", "[delivery]") {
  CHECK(mail::format_delay(-0.5) == "0");
}

TEST_CASE("delays split the time before qmgr, in qmgr, in setup and in transmission", "[delivery]") {
  mail::DeliveryTimes t;
  t.arrival = 1000.0;
  t.active = 1000.01;
  t.agent_start = 1000.02;
  t.connected = 1000.02;
  t.done = 1000.03;
  CHECK(mail::format_delays(t) == "delay=0.03, delays=0.01/0.01/0/0.01");
  t.connected = 0;  // local: no connection stage
  CHECK(mail::format_delays(t) == "delay=0.03, delays=0.01/0.01/0/0.01");
}

TEST_CASE("the delivery log line matches Postfix's local delivery line", "[delivery]") {
  mail::DeliveryTimes t{1000.0, 1000.05, 1000.05, 1000.05, 1000.05};
  mail::RecipientResult r;
  r.status = mail::DeliveryStatus::kSent;
  r.dsn = "2.0.0";
  r.text = "delivered to mailbox";
  CHECK(mail::format_delivery_log("D20FEA74074", "cmpuser@example.test", "cmpuser@example.test",
                                  "local", t, r) ==
        "D20FEA74074: to=<cmpuser@example.test>, relay=local, delay=0.05, "
        "delays=0.05/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)");
}

TEST_CASE("orig_to is logged only when it differs from to", "[delivery]") {
  mail::DeliveryTimes t{0, 0, 0, 0, 0};
  mail::RecipientResult r;
  r.status = mail::DeliveryStatus::kBounced;
  r.dsn = "5.1.1";
  r.text = "unknown user: \"nosuchuser\"";
  std::string with = mail::format_delivery_log("Q", "cmpuser@mx.example.test", "root@example.test",
                                               "local", t, r);
  CHECK(with == "Q: to=<cmpuser@mx.example.test>, orig_to=<root@example.test>, relay=local, "
                "delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nosuchuser\")");
  CHECK(mail::format_delivery_log("Q", "a@b", "", "none", t, r).find("orig_to") == std::string::npos);
  CHECK(mail::format_delivery_log("Q", "a@b", "A@B", "none", t, r).find("orig_to") == std::string::npos);
}

TEST_CASE("deferred status is named deferred", "[delivery]") {
  CHECK(mail::delivery_status_name(mail::DeliveryStatus::kDeferred) == "deferred");
  CHECK(mail::delivery_status_name(mail::DeliveryStatus::kSent) == "sent");
  CHECK(mail::delivery_status_name(mail::DeliveryStatus::kBounced) == "bounced");
}

TEST_CASE("now_seconds is wall-clock time with a fraction", "[delivery]") {
  double a = mail::now_seconds();
  CHECK(a > 1.6e9);
  CHECK(mail::now_seconds() >= a);
}
