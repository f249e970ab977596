#include "libmail/qmgr_policy.h"

#include <catch.hpp>
#include <string>
#include <vector>

#include "libconf/config.h"

TEST_CASE("qmgr triggers: A and I scan incoming, D deferred, F flushes, W only wakes", "[qmgr]") {
  auto a = mail::parse_qmgr_trigger(std::string("A\0", 2));
  CHECK(a.scan_incoming);
  CHECK_FALSE(a.scan_deferred);
  auto fadi = mail::parse_qmgr_trigger("FADI");
  CHECK(fadi.scan_incoming);
  CHECK(fadi.scan_deferred);
  CHECK(fadi.flush);
  auto d = mail::parse_qmgr_trigger("D");
  CHECK(d.scan_deferred);
  CHECK_FALSE(d.flush);
  auto w = mail::parse_qmgr_trigger("W");
  CHECK_FALSE(w.scan_incoming);
  CHECK_FALSE(w.scan_deferred);
  CHECK_FALSE(w.flush);
}

TEST_CASE("the retry delay is the message age clamped to the backoff limits", "[qmgr]") {
  // A fresh message waits minimal_backoff_time.
  CHECK(mail::qmgr_backoff_delay(1000, 1000, 300, 4000) == 300);
  CHECK(mail::qmgr_backoff_delay(1000, 990, 300, 4000) == 300);
  // Older: the interval grows with age (so it doubles per attempt).
  CHECK(mail::qmgr_backoff_delay(1600, 1000, 300, 4000) == 600);
  CHECK(mail::qmgr_backoff_delay(2200, 1000, 300, 4000) == 1200);
  // And stops at maximal_backoff_time.
  CHECK(mail::qmgr_backoff_delay(100000, 1000, 300, 4000) == 4000);
  // No creation time: the minimum.
  CHECK(mail::qmgr_backoff_delay(100000, 0, 300, 4000) == 300);
}

TEST_CASE("a message expires after its queue lifetime, bounces after bounce_queue_lifetime",
          "[qmgr]") {
  mail::QmgrLifetimes l{5 * 86400, 86400};
  CHECK_FALSE(mail::qmgr_message_expired(1000 + 86399, 1000, false, l));
  CHECK_FALSE(mail::qmgr_message_expired(1000 + 86400, 1000, false, l));
  CHECK(mail::qmgr_message_expired(1000 + 86400, 1000, true, l));
  CHECK(mail::qmgr_message_expired(1000 + 5 * 86400, 1000, false, l));
  mail::QmgrLifetimes zero{0, 0};
  CHECK(mail::qmgr_message_expired(1000, 1000, false, zero));
}

TEST_CASE("local delivers one recipient per request, two at a time, by default", "[qmgr]") {
  conf::Config config;
  auto local = mail::qmgr_transport_limits(config, "local");
  CHECK(local.recipient_limit == 1);
  CHECK(local.concurrency_limit == 2);
  auto smtp = mail::qmgr_transport_limits(config, "smtp");
  CHECK(smtp.recipient_limit == 50);
  CHECK(smtp.concurrency_limit == 20);
  auto other = mail::qmgr_transport_limits(config, "test-agent");
  CHECK(other.recipient_limit == 50);
}

TEST_CASE("per-transport limits in main.cf override the defaults", "[qmgr]") {
  conf::Config config;
  config.set_override("discard_destination_recipient_limit", "3");
  config.set_override("default_destination_concurrency_limit", "7");
  auto d = mail::qmgr_transport_limits(config, "discard");
  CHECK(d.recipient_limit == 3);
  CHECK(d.concurrency_limit == 7);
}

TEST_CASE("recipients are grouped per transport and nexthop and cut at the recipient limit",
          "[qmgr]") {
  std::vector<mail::QmgrRoute> routes = {
      {"local", "mx.test"}, {"smtp", "a.test"}, {"local", "mx.test"},
      {"smtp", "b.test"},   {"smtp", "a.test"}, {"smtp", "a.test"},
  };
  auto batches = mail::qmgr_group_recipients(
      routes, [](const std::string& t) { return t == "local" ? 1L : 2L; });
  REQUIRE(batches.size() == 5);
  CHECK(batches[0].transport == "local");
  CHECK(batches[0].recipients == std::vector<size_t>{0});
  CHECK(batches[1].transport == "smtp");
  CHECK(batches[1].nexthop == "a.test");
  CHECK(batches[1].recipients == std::vector<size_t>{1, 4});
  CHECK(batches[2].recipients == std::vector<size_t>{2});
  CHECK(batches[3].nexthop == "b.test");
  CHECK(batches[3].recipients == std::vector<size_t>{3});
  CHECK(batches[4].nexthop == "a.test");
  CHECK(batches[4].recipients == std::vector<size_t>{5});
}

TEST_CASE("a recipient limit below one still makes progress", "[qmgr]") {
  std::vector<mail::QmgrRoute> routes = {{"x", "h"}, {"x", "h"}};
  auto batches = mail::qmgr_group_recipients(routes, [](const std::string&) { return 0L; });
  CHECK(batches.size() == 2);
}
