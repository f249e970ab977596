#include "libmail/delivery_request.h"

#include <sys/socket.h>

#include <catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "libmail/daemon_options.h"
#include "libutil/fd.h"

using namespace std::chrono_literals;

namespace {

mail::DeliveryRequest sample_request() {
  mail::DeliveryRequest r;
  r.flags = mail::kDeliverFlagBounce;
  r.queue_name = "active";
  r.queue_id = "D20FEA74074";
  r.data_offset = 171;
  r.data_size = 451;
  r.nexthop = "example.test";
  r.encoding = "8bit";
  r.sender = "";
  r.dsn_envid = "env-1";
  r.dsn_ret = 2;
  r.arrival_time = 1763890102.5;
  r.active_time = 1763890102.525;
  r.client_name = "localhost";
  r.client_addr = "127.0.0.1";
  r.client_proto = "ESMTP";
  r.client_helo = "client.example.org";
  r.log_ident = "D20FEA74074";
  r.rewrite_context = "remote";
  mail::DeliveryRecipient a;
  a.offset = 380;
  a.orig_rcpt = "root@example.test";
  a.address = "cmpuser@example.test";
  a.dsn_notify = 6;
  mail::DeliveryRecipient b;
  b.offset = 420;
  b.address = "other@example.test";
  b.dsn_orcpt = "rfc822;other@example.test";
  r.recipients = {a, b};
  return r;
}

std::pair<util::Fd, util::Fd> socket_pair() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  return {util::Fd(fds[0]), util::Fd(fds[1])};
}

}  // namespace

TEST_CASE("a delivery request survives encoding and parsing", "[delivery]") {
  auto req = sample_request();
  auto wire = mail::encode_attrs(mail::delivery_request_attrs(req));
  auto attrs = mail::decode_attrs(wire);
  REQUIRE(attrs);
  auto back = mail::parse_delivery_request(*attrs);
  REQUIRE(back);
  CHECK(back->flags == req.flags);
  CHECK(back->queue_name == "active");
  CHECK(back->queue_id == "D20FEA74074");
  CHECK(back->data_offset == 171);
  CHECK(back->data_size == 451);
  CHECK(back->nexthop == "example.test");
  CHECK(back->encoding == "8bit");
  CHECK(back->sender.empty());
  CHECK(back->dsn_envid == "env-1");
  CHECK(back->dsn_ret == 2);
  CHECK(back->arrival_time == Approx(1763890102.5).margin(1e-6));
  CHECK(back->active_time == Approx(1763890102.525).margin(1e-6));
  CHECK(back->client_helo == "client.example.org");
  CHECK(back->rewrite_context == "remote");
  REQUIRE(back->recipients.size() == 2);
  CHECK(back->recipients[0].offset == 380);
  CHECK(back->recipients[0].orig_rcpt == "root@example.test");
  CHECK(back->recipients[0].address == "cmpuser@example.test");
  CHECK(back->recipients[0].dsn_notify == 6);
  CHECK(back->recipients[1].dsn_orcpt == "rfc822;other@example.test");
}

TEST_CASE("a request missing an attribute is rejected naming it", "[delivery]") {
  auto attrs = mail::delivery_request_attrs(sample_request());
  mail::AttrList broken;
  for (const auto& a : attrs.attrs())
    if (a.name != "sender") {
      if (a.type == mail::Attr::Type::kString) broken.add(a.name, a.str);
      else if (a.type == mail::Attr::Type::kInt) broken.add(a.name, a.num);
      else broken.add(a.name, a.list);
    }
  auto r = mail::parse_delivery_request(broken);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("sender") != std::string::npos);
}

TEST_CASE("a request with an ill-typed attribute is rejected", "[delivery]") {
  mail::AttrList attrs;
  attrs.add("flags", "not a number");
  auto r = mail::parse_delivery_request(attrs);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("flags") != std::string::npos);
}

TEST_CASE("a request without recipients or with a negative offset is rejected", "[delivery]") {
  auto req = sample_request();
  req.recipients.clear();
  CHECK_FALSE(mail::parse_delivery_request(mail::delivery_request_attrs(req)));
  req = sample_request();
  req.recipients[1].offset = -5;
  auto r = mail::parse_delivery_request(mail::delivery_request_attrs(req));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("offset") != std::string::npos);
}

TEST_CASE("a request with too many recipients is rejected", "[delivery]") {
  auto req = sample_request();
  req.recipients.assign(10001, req.recipients[0]);
  auto r = mail::parse_delivery_request(mail::delivery_request_attrs(req));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == util::ErrorKind::kTooLong);
}

TEST_CASE("a delivery reply survives encoding and parsing", "[delivery]") {
  mail::DeliveryReply reply;
  mail::RecipientResult sent{380, mail::DeliveryStatus::kSent, "2.0.0", "delivered",
                             "delivered to mailbox", "", "", "", ""};
  mail::RecipientResult bounced{420, mail::DeliveryStatus::kBounced, "5.1.1", "failed",
                                "host x said: 550 no", "smtp", "550 5.1.1 no", "dns", "x.test"};
  mail::RecipientResult deferred{460, mail::DeliveryStatus::kDeferred, "4.3.2", "delayed",
                                 "deferred transport", "", "", "", ""};
  reply.results = {sent, bounced, deferred};
  auto attrs = mail::decode_attrs(mail::encode_attrs(mail::delivery_reply_attrs(reply)));
  REQUIRE(attrs);
  auto back = mail::parse_delivery_reply(*attrs);
  REQUIRE(back);
  REQUIRE(back->results.size() == 3);
  CHECK(back->results[0].status == mail::DeliveryStatus::kSent);
  CHECK(back->results[0].text == "delivered to mailbox");
  CHECK(back->results[1].status == mail::DeliveryStatus::kBounced);
  CHECK(back->results[1].offset == 420);
  CHECK(back->results[1].diag_text == "550 5.1.1 no");
  CHECK(back->results[1].mta_mname == "x.test");
  CHECK(back->results[2].status == mail::DeliveryStatus::kDeferred);
  CHECK(back->results[2].dsn == "4.3.2");
}

TEST_CASE("a reply with an unknown status is rejected", "[delivery]") {
  mail::AttrList one;
  one.add("offset", 1).add("status", "delivered").add("dsn", "2.0.0").add("action", "")
      .add("text", "").add("diag_type", "").add("diag_text", "").add("mta_type", "")
      .add("mta_mname", "");
  mail::AttrList results;
  results.add("result", one);
  mail::AttrList reply;
  reply.add("results", results);
  auto r = mail::parse_delivery_reply(reply);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("status") != std::string::npos);
  CHECK_FALSE(mail::parse_delivery_reply(mail::AttrList{}));
}

TEST_CASE("an agent serves a request and the client reads one result per recipient", "[delivery]") {
  auto [a, b] = socket_pair();
  util::Stream agent_side(std::move(a), 5s);
  util::Stream qmgr_side(std::move(b), 5s);
  mail::Daemon daemon;
  bool served = false;
  std::thread agent([&] {
    served = mail::serve_delivery_request(
        agent_side, daemon, [](const mail::DeliveryRequest& req, mail::Daemon&) {
          mail::DeliveryReply reply;
          for (const auto& r : req.recipients)
            reply.results.push_back({r.offset, mail::DeliveryStatus::kSent, "2.0.0", "delivered",
                                     "delivered to " + r.address, "", "", "", ""});
          return reply;
        });
  });
  auto reply = mail::send_delivery_request(qmgr_side, sample_request());
  agent.join();
  CHECK(served);
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 2);
  CHECK(reply->results[0].offset == 380);
  CHECK(reply->results[1].text == "delivered to other@example.test");
}

TEST_CASE("an agent answers a malformed request with nothing", "[delivery]") {
  auto [a, b] = socket_pair();
  util::Stream agent_side(std::move(a), 5s);
  util::Stream qmgr_side(std::move(b), 5s);
  mail::Daemon daemon;
  mail::AttrList garbage;
  garbage.add("flags", "x");
  REQUIRE(mail::write_attrs(qmgr_side, garbage));
  bool called = false;
  CHECK_FALSE(mail::serve_delivery_request(agent_side, daemon,
                                           [&](const mail::DeliveryRequest&, mail::Daemon&) {
                                             called = true;
                                             return mail::DeliveryReply{};
                                           }));
  CHECK_FALSE(called);
}
