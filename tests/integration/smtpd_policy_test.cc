// check_policy_service through the real smtpd: a policy server thread in
// the test on a loopback port, smtpd chrooted as Debian ships it.
#include <atomic>
#include <catch.hpp>
#include <mutex>
#include <thread>

#include "libmail/policy_protocol.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// Rejects recipients that start with "blockme", DUNNO otherwise.
class PolicyServer {
 public:
  PolicyServer() {
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
  int port() const { return port_; }
  std::vector<mail::PolicyAttrs> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    std::vector<std::unique_ptr<util::Stream>> clients;
    while (!stop_) {
      if (auto c = util::accept_with_timeout(listener_.get(), 50ms))
        clients.push_back(std::make_unique<util::Stream>(std::move(*c), 2s));
      for (auto& s : clients) {
        if (!s) continue;
        auto ready = s->readable(10ms);
        if (!ready || !*ready) continue;
        auto req = mail::read_policy_attrs(*s);
        if (!req) {
          s.reset();
          continue;
        }
        std::string rcpt;
        for (const auto& [n, v] : *req)
          if (n == "recipient") rcpt = v;
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(*req);
        }
        std::string action = rcpt.rfind("blockme", 0) == 0 ? "REJECT policy says no" : "DUNNO";
        if (!mail::write_policy_reply(*s, action)) s.reset();
      }
    }
  }
  util::Fd listener_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<mail::PolicyAttrs> requests_;
};

std::string attr(const mail::PolicyAttrs& attrs, const std::string& name) {
  for (const auto& [n, v] : attrs)
    if (n == name) return v;
  return "(missing)";
}

}  // namespace

TEST_CASE("smtpd asks the policy service at RCPT and applies its REJECT",
          "[smtpd][restrictions][policy][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  PolicyServer policy;
  smtpd_test::SmtpdOptions o;
  o.main_cf = "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:" +
              std::to_string(policy.port()) + "\n";
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  REQUIRE(c->command("MAIL FROM:<sender@example.org> SIZE=321"));
  auto r = c->command("RCPT TO:<blockme@mx.example.test>");
  REQUIRE(r);
  CHECK(r->last() ==
        "554 5.7.1 <blockme@mx.example.test>: Recipient address rejected: policy says no");
  r = c->command("RCPT TO:<root@mx.example.test>");
  REQUIRE(r);
  CHECK(r->last() == "250 2.1.5 Ok");
  c->command("QUIT");
  CHECK(
      s.log_has("554 5.7.1 <blockme@mx.example.test>: Recipient address rejected: policy says "
                "no; from=<sender@example.org> to=<blockme@mx.example.test> proto=ESMTP "
                "helo=<client.example.org>"));
  auto reqs = policy.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(attr(reqs[0], "request") == "smtpd_access_policy");
  CHECK(attr(reqs[0], "protocol_state") == "RCPT");
  CHECK(attr(reqs[0], "protocol_name") == "ESMTP");
  CHECK(attr(reqs[0], "client_address") == "127.0.0.1");
  CHECK(attr(reqs[0], "helo_name") == "client.example.org");
  CHECK(attr(reqs[0], "sender") == "sender@example.org");
  CHECK(attr(reqs[0], "recipient") == "blockme@mx.example.test");
  CHECK(attr(reqs[0], "size") == "321");
  CHECK(attr(reqs[1], "instance") == attr(reqs[0], "instance"));
}

TEST_CASE("smtpd applies smtpd_policy_service_default_action when the server is down",
          "[smtpd][restrictions][policy][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  int dead_port;
  {
    auto fd = util::inet_listen("127.0.0.1:0", 1);
    REQUIRE(fd);
    dead_port = *util::local_port(fd->get());
  }
  smtpd_test::SmtpdOptions o;
  o.main_cf = "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:" +
              std::to_string(dead_port) + "\n";
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  REQUIRE(c->command("EHLO client.example.org"));
  REQUIRE(c->command("MAIL FROM:<sender@example.org>"));
  auto r = c->command("RCPT TO:<root@mx.example.test>");
  REQUIRE(r);
  CHECK(r->last() ==
        "451 4.3.5 <root@mx.example.test>: Recipient address rejected: Server configuration "
        "problem");
  CHECK(s.log_has("warning: connect to 127.0.0.1:" + std::to_string(dead_port) +
                  ": Connection refused"));
}

TEST_CASE("our smtpd sends the policy server what Debian's Postfix 3.7 sends",
          "[smtpd][restrictions][policy][interop][slow]") {
  if (test::skip_unless_root("both instances switch users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here")) return;
  PolicyServer policy;
  const std::string service =
      "check_policy_service inet:127.0.0.1:" + std::to_string(policy.port());
  const std::string main_cf =
      "smtpd_recipient_restrictions = " + service + "\nsmtpd_data_restrictions = " + service + "\n";
  auto dialogue = [](int port) {
    std::vector<std::string> replies;
    auto c = test::SmtpClient::connect("127.0.0.1", port, 10s);
    if (!c || !c->banner()) return replies;
    for (const char* cmd :
         {"EHLO client.example.org", "MAIL FROM:<sender@example.org> SIZE=555",
          "RCPT TO:<blockme@mx.example.test>", "RCPT TO:<root@mx.example.test>", "DATA"}) {
      auto r = c->command(cmd);
      replies.push_back(r ? r->last() : "(error)");
    }
    auto r = c->command("Subject: policy\r\n\r\nhello\r\n.");
    replies.push_back(r ? r->last().substr(0, 14) : "(error)");
    c->command("QUIT");
    return replies;
  };

  std::vector<mail::PolicyAttrs> theirs;
  std::vector<std::string> their_replies;
  {
    smtpd_test::PostfixOracle oracle(main_cf);
    INFO(oracle.why());
    REQUIRE(oracle.ok());
    master_test::eventually(
        [&] { return test::SmtpClient::connect("127.0.0.1", oracle.port()).has_value(); });
    their_replies = dialogue(oracle.port());
    theirs = policy.requests();
  }
  smtpd_test::SmtpdInstance ours;
  ours.instance().dir().write("main.cf", ours.instance().dir().read("main.cf") + main_cf);
  REQUIRE(ours.start().exit_status == 0);
  auto our_replies = dialogue(ours.port());
  auto all = policy.requests();
  std::vector<mail::PolicyAttrs> mine(all.begin() + static_cast<long>(theirs.size()), all.end());

  CHECK(our_replies == their_replies);
  REQUIRE(theirs.size() == 3);  // two RCPTs and DATA
  REQUIRE(mine.size() == theirs.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    REQUIRE(mine[i].size() == theirs[i].size());
    for (std::size_t k = 0; k < mine[i].size(); ++k) {
      const auto& [name, value] = theirs[i][k];
      CHECK(mine[i][k].first == name);
      if (name == "client_port" || name == "server_port" || name == "queue_id" ||
          name == "instance")
        CHECK(mine[i][k].second.empty() == value.empty());
      else
        CHECK(mine[i][k].first + "=" + mine[i][k].second == name + "=" + value);
    }
  }
}
