// check_policy_service against a real policy server: a thread on a
// loopback port speaking the delegation protocol (libmail/policy_protocol.h).
#include "smtpd/policy_client.h"

#include <atomic>
#include <catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "libmail/policy_protocol.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/unit/smtpd/restriction_fixture.h"

using namespace std::chrono_literals;
using rtest::Fixture;

namespace {

// Answers each request with `action`, records the requests, counts
// connections; stops when destroyed.
class PolicyServer {
 public:
  explicit PolicyServer(std::string action) : action_(std::move(action)) {
    auto fd = util::inet_listen("127.0.0.1:0", 16);
    REQUIRE(fd);
    listener_ = std::move(*fd);
    port_ = *util::local_port(listener_.get());
    thread_ = std::thread([this] { serve(); });
  }
  ~PolicyServer() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return "inet:127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  mail::PolicyAttrs last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    std::vector<std::unique_ptr<util::Stream>> clients;
    while (!stop_) {
      auto c = util::accept_with_timeout(listener_.get(), 50ms);
      if (c) {
        ++connections_;
        clients.push_back(std::make_unique<util::Stream>(std::move(*c), 100ms));
      }
      for (auto& s : clients) {
        if (!s) continue;
        auto ready = s->readable(10ms);
        if (!ready || !*ready) continue;
        s->set_timeout(2s);
        auto req = mail::read_policy_attrs(*s);
        if (!req) {
          s.reset();
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          last_ = *req;
          ++requests_;
        }
        if (!mail::write_policy_reply(*s, action_)) s.reset();
      }
    }
  }

  std::string action_;
  util::Fd listener_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  mail::PolicyAttrs last_;
  int requests_ = 0;
};

std::string attr(const mail::PolicyAttrs& attrs, const std::string& name) {
  for (const auto& [n, v] : attrs)
    if (n == name) return v;
  return "(missing)";
}

}  // namespace

TEST_CASE("check_policy_service sends Postfix's attributes and applies the action",
          "[smtpd][restrictions][policy]") {
  PolicyServer server("REJECT not today");
  Fixture f;
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service " + server.endpoint());
  auto r = f.engine();
  f.session.declared_size = 1234;
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <alice@example.test>: Recipient address rejected: not today");
  auto a = server.last();
  CHECK(attr(a, "request") == "smtpd_access_policy");
  CHECK(attr(a, "protocol_state") == "RCPT");
  CHECK(attr(a, "protocol_name") == "ESMTP");
  CHECK(attr(a, "client_address") == "10.1.2.3");
  CHECK(attr(a, "client_name") == "unknown");
  CHECK(attr(a, "reverse_client_name") == "unknown");
  CHECK(attr(a, "helo_name") == "client.example.org");
  CHECK(attr(a, "sender") == "sender@example.org");
  CHECK(attr(a, "recipient") == "alice@example.test");
  CHECK(attr(a, "recipient_count") == "0");
  CHECK(attr(a, "size") == "1234");
  CHECK(attr(a, "server_address") == "127.0.0.1");
  CHECK(attr(a, "server_port") == "25");
  CHECK(attr(a, "encryption_keysize") == "0");
  // Exactly the attributes Postfix 3.7.11 sends, in its order (observed).
  std::vector<std::string> names;
  for (const auto& [n, v] : a) names.push_back(n);
  CHECK(names == std::vector<std::string>{"request",
                                          "protocol_state",
                                          "protocol_name",
                                          "client_address",
                                          "client_name",
                                          "client_port",
                                          "reverse_client_name",
                                          "server_address",
                                          "server_port",
                                          "helo_name",
                                          "sender",
                                          "recipient",
                                          "recipient_count",
                                          "queue_id",
                                          "instance",
                                          "size",
                                          "etrn_domain",
                                          "stress",
                                          "sasl_method",
                                          "sasl_username",
                                          "sasl_sender",
                                          "ccert_subject",
                                          "ccert_issuer",
                                          "ccert_fingerprint",
                                          "ccert_pubkey_fingerprint",
                                          "encryption_protocol",
                                          "encryption_cipher",
                                          "encryption_keysize",
                                          "policy_context"});
}

TEST_CASE("a policy DUNNO goes on, and the connection is reused between requests",
          "[smtpd][restrictions][policy]") {
  PolicyServer server("DUNNO");
  Fixture f;
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service " + server.endpoint());
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));
  CHECK(server.requests() == 2);
  CHECK(server.connections() == 1);
}

TEST_CASE("smtpd_policy_service_request_limit makes a new connection",
          "[smtpd][restrictions][policy]") {
  PolicyServer server("OK");
  Fixture f;
  f.config.set_override("smtpd_policy_service_request_limit", "1");
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service " + server.endpoint() + ", reject");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));
  CHECK(server.connections() == 2);
}

TEST_CASE("an unreachable policy server gives the default action",
          "[smtpd][restrictions][policy]") {
  // A port nobody listens on: bind, read the port, close.
  std::string endpoint;
  {
    auto fd = util::inet_listen("127.0.0.1:0", 1);
    REQUIRE(fd);
    endpoint = "inet:127.0.0.1:" + std::to_string(*util::local_port(fd->get()));
  }
  Fixture f;
  f.config.set_override("smtpd_policy_service_retry_delay", "0");
  f.config.set_override("smtpd_recipient_restrictions", "check_policy_service " + endpoint);
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "451 4.3.5 <alice@example.test>: Recipient address rejected: Server configuration "
        "problem");

  Fixture g;
  g.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service {" + endpoint +
                            ", try_limit=1, default_action=DUNNO}, reject_unauth_destination");
  auto r2 = g.engine();
  CHECK_FALSE(g.rcpt(*r2, "alice@example.test"));
}

TEST_CASE("a policy server that does not answer in time gets the default action",
          "[smtpd][restrictions][policy]") {
  auto fd = util::inet_listen("127.0.0.1:0", 4);  // accepts (backlog) but never answers
  REQUIRE(fd);
  std::string endpoint = "inet:127.0.0.1:" + std::to_string(*util::local_port(fd->get()));
  Fixture f;
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service {" + endpoint +
                            ", timeout=1s, try_limit=1, default_action=450 4.7.1 busy}");
  auto r = f.engine();
  auto start = std::chrono::steady_clock::now();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "450 4.7.1 <alice@example.test>: Recipient address rejected: busy");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("policy service options parse main.cf values and per-service overrides",
          "[smtpd][policy]") {
  conf::Config config;
  auto o = smtpd::policy_client_options(config, "unix:private/policy");
  REQUIRE(o);
  CHECK(o->endpoint == "unix:private/policy");
  CHECK(o->timeout == 100s);
  CHECK(o->max_idle == 300s);
  CHECK(o->max_ttl == 1000s);
  CHECK(o->default_action == "451 4.3.5 Server configuration problem");
  o = smtpd::policy_client_options(
      config, "{inet:127.0.0.1:9998, timeout=10s, max_idle=2m, default_action=DEFER later}");
  REQUIRE(o);
  CHECK(o->endpoint == "inet:127.0.0.1:9998");
  CHECK(o->timeout == 10s);
  CHECK(o->max_idle == 120s);
  CHECK(o->default_action == "DEFER later");
  CHECK_FALSE(smtpd::policy_client_options(config, "{inet:x:1, bogus=1}"));
}

TEST_CASE("an idle policy connection older than max_idle is replaced",
          "[smtpd][restrictions][policy]") {
  PolicyServer server("DUNNO");
  Fixture f;
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_policy_service {" + server.endpoint() + ", max_idle=1s}");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));
  CHECK(server.connections() == 1);
  std::this_thread::sleep_for(1100ms);
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK(server.connections() == 2);
  CHECK(server.requests() == 3);
}
