// The error (also run as `retry`) and discard delivery agents under master:
// a real delivery request over private/NAME, the per-recipient reply and
// the agent's log line.
#include <catch.hpp>

#include <regex>
#include <string>

#include "libmail/delivery_log.h"
#include "libmail/delivery_request.h"
#include "libmail/service_client.h"
#include "tests/integration/master_fixture.h"

namespace {

const char* const kServices =
    "error unix - - n - - error\n"
    "retry unix - - n - - error\n"
    "discard unix - - n - - discard\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

mail::DeliveryRequest make_request(const std::string& queue_id, const std::string& nexthop) {
  mail::DeliveryRequest request;
  request.queue_name = "active";
  request.queue_id = queue_id;
  request.nexthop = nexthop;
  request.sender = "sender@example.org";
  request.arrival_time = mail::now_seconds() - 2;
  request.active_time = mail::now_seconds() - 1;
  mail::DeliveryRecipient a;
  a.offset = 120;
  a.address = "ann@example.org";
  mail::DeliveryRecipient b;
  b.offset = 160;
  b.address = "bob@example.org";
  b.orig_rcpt = "bobby@example.org";
  request.recipients = {a, b};
  return request;
}

mail::DeliveryReply deliver(const master_test::Instance& inst, const std::string& service,
                            const mail::DeliveryRequest& request) {
  const std::string path = inst.dir().file("queue/private/" + service);
  REQUIRE(master_test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }));
  auto stream = mail::connect_service(path, std::chrono::seconds(10));
  REQUIRE(stream);
  auto reply = mail::send_delivery_request(*stream, request);
  REQUIRE(reply);
  return *reply;
}

// The log holds a line matching `pattern` (delays vary, so a regex).
bool log_matches(const master_test::Instance& inst, const std::string& pattern) {
  const std::regex re(pattern);
  return master_test::eventually([&] { return std::regex_search(inst.log(), re); });
}

const char* const kDelays = R"(delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+)";

}  // namespace

TEST_CASE("the error agent bounces every recipient with the next hop as the reason",
          "[agents][master]") {
  master_test::Instance inst(kServices);
  REQUIRE(inst.start().exit_status == 0);
  mail::DeliveryReply reply =
      deliver(inst, "error", make_request("3F2A1B0C9D", "5.1.1 mailbox closed"));
  REQUIRE(reply.results.size() == 2);
  CHECK(reply.results[0].offset == 120);
  CHECK(reply.results[1].offset == 160);
  for (const auto& r : reply.results) {
    CHECK(r.status == mail::DeliveryStatus::kBounced);
    CHECK(r.dsn == "5.1.1");
    CHECK(r.action == "failed");
    CHECK(r.text == "mailbox closed");
  }
  CHECK(log_matches(inst, std::string(R"(postfix/error\[[0-9]+\]: 3F2A1B0C9D: to=<ann@example\.org>, relay=none, )") +
                              kDelays + R"(, dsn=5\.1\.1, status=bounced \(mailbox closed\))"));
  CHECK(log_matches(inst, std::string(R"(3F2A1B0C9D: to=<bob@example\.org>, orig_to=<bobby@example\.org>, relay=none, )") +
                              kDelays + R"(, dsn=5\.1\.1, status=bounced \(mailbox closed\))"));

  // No code in the next hop: 5.0.0 and the whole text.
  mail::DeliveryReply plain = deliver(inst, "error", make_request("4A5B6C7D8E", "gone away"));
  REQUIRE(plain.results.size() == 2);
  CHECK(plain.results[0].dsn == "5.0.0");
  CHECK(plain.results[0].text == "gone away");

  // A 4.x.x code cannot bounce: replaced, with Postfix's warning.
  mail::DeliveryReply wrong = deliver(inst, "error", make_request("5B6C7D8E9F", "4.3.2 later"));
  REQUIRE(wrong.results.size() == 2);
  CHECK(wrong.results[0].status == mail::DeliveryStatus::kBounced);
  CHECK(wrong.results[0].dsn == "5.0.0");
  CHECK(inst.log_has("warning: bounce_append: ignoring dsn code \"4.3.2\""));
}

TEST_CASE("the error agent run as retry defers every recipient", "[agents][master]") {
  master_test::Instance inst(kServices);
  REQUIRE(inst.start().exit_status == 0);
  mail::DeliveryReply reply =
      deliver(inst, "retry", make_request("6C7D8E9F0A", "4.3.2 deferred transport"));
  REQUIRE(reply.results.size() == 2);
  for (const auto& r : reply.results) {
    CHECK(r.status == mail::DeliveryStatus::kDeferred);
    CHECK(r.dsn == "4.3.2");
    CHECK(r.action == "delayed");
    CHECK(r.text == "deferred transport");
  }
  // The log name is the program, as Postfix's: postfix/error, not retry.
  CHECK(log_matches(inst, std::string(R"(postfix/error\[[0-9]+\]: 6C7D8E9F0A: to=<ann@example\.org>, relay=none, )") +
                              kDelays + R"(, dsn=4\.3\.2, status=deferred \(deferred transport\))"));
}

TEST_CASE("the discard agent reports every recipient sent with the next hop as the text",
          "[agents][master]") {
  master_test::Instance inst(kServices);
  REQUIRE(inst.start().exit_status == 0);
  mail::DeliveryReply reply = deliver(inst, "discard", make_request("7D8E9F0A1B", "example.org"));
  REQUIRE(reply.results.size() == 2);
  CHECK(reply.results[1].offset == 160);
  for (const auto& r : reply.results) {
    CHECK(r.status == mail::DeliveryStatus::kSent);
    CHECK(r.dsn == "2.0.0");
    CHECK(r.text == "example.org");
  }
  CHECK(log_matches(inst, std::string(R"(postfix/discard\[[0-9]+\]: 7D8E9F0A1B: to=<ann@example\.org>, relay=none, )") +
                              kDelays + R"(, dsn=2\.0\.0, status=sent \(example\.org\))"));

  // A 2.x.x code is kept; another class is replaced, as Postfix warns.
  mail::DeliveryReply coded = deliver(inst, "discard", make_request("8E9F0A1B2C", "2.5.0 gone"));
  REQUIRE(coded.results.size() == 2);
  CHECK(coded.results[0].dsn == "2.5.0");
  CHECK(coded.results[0].text == "gone");
  mail::DeliveryReply odd = deliver(inst, "discard", make_request("9F0A1B2C3D", "4.1.1 odd"));
  REQUIRE(odd.results.size() == 2);
  CHECK(odd.results[0].status == mail::DeliveryStatus::kSent);
  CHECK(odd.results[0].dsn == "2.0.0");
  CHECK(odd.results[0].text == "odd");
  CHECK(inst.log_has("warning: sent: ignoring dsn code \"4.1.1\""));
}
