#include "libmail/policy_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "libutil/socket.h"

using namespace std::chrono_literals;

TEST_CASE("a policy request is name=value lines ended by an empty line", "[policy]") {
  auto text = mail::format_policy_attrs({{"request", "smtpd_access_policy"},
                                         {"protocol_state", "RCPT"},
                                         {"sender", "a=b@example.test"},
                                         {"ccert_subject", ""}});
  REQUIRE(text);
  REQUIRE(*text ==
          "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a=b@example.test\n"
          "ccert_subject=\n\n");
}

TEST_CASE("attributes that would break the framing are refused", "[policy]") {
  auto nl = mail::format_policy_attrs({{"helo_name", "x\naction=OK"}});
  REQUIRE_FALSE(nl);
  REQUIRE(nl.error().kind == util::ErrorKind::kMalformed);
  REQUIRE_FALSE(mail::format_policy_attrs({{"a=b", "c"}}));
  REQUIRE_FALSE(mail::format_policy_attrs({{"", "c"}}));
}

TEST_CASE("a policy query gets the action from a real server on a socket", "[policy]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  mail::PolicyAttrs seen;
  std::thread server([&, fd = std::move(pair->second)]() mutable {
    util::Stream s(std::move(fd), 5s);
    auto req = mail::read_policy_attrs(s);
    if (!req) return;
    seen = *req;
    (void)mail::write_policy_reply(s, "DEFER_IF_PERMIT Service temporarily unavailable");
  });
  util::Stream client(std::move(pair->first), 5s);
  auto reply = mail::policy_query(client, {{"request", "smtpd_access_policy"},
                                           {"client_address", "127.0.0.2"}});
  server.join();
  REQUIRE(reply);
  REQUIRE(reply->action == "DEFER_IF_PERMIT Service temporarily unavailable");
  REQUIRE(seen.size() == 2);
  REQUIRE(seen[1] == std::pair<std::string, std::string>{"client_address", "127.0.0.2"});
}

TEST_CASE("bad policy replies are errors of the right kind", "[policy]") {
  struct Case {
    std::string reply;
    util::ErrorKind kind;
  };
  const Case cases[] = {
      {"foo=bar\n\n", util::ErrorKind::kMalformed},               // no action
      {"action\n\n", util::ErrorKind::kMalformed},                // no '='
      {"=DUNNO\n\n", util::ErrorKind::kMalformed},                // no name
      {"action=" + std::string(5000, 'x') + "\n\n", util::ErrorKind::kTooLong},
      {"action=DUNNO\n", util::ErrorKind::kEof},                  // closed before the blank line
      {"action=DUNNO", util::ErrorKind::kMalformed},              // closed mid-line
  };
  for (const auto& c : cases) {
    auto pair = util::socket_pair();
    REQUIRE(pair);
    REQUIRE(::write(pair->second.get(), c.reply.data(), c.reply.size()) ==
            static_cast<ssize_t>(c.reply.size()));
    // The server stops sending but still takes our request.
    REQUIRE(::shutdown(pair->second.get(), SHUT_WR) == 0);
    util::Stream client(std::move(pair->first), 2s);
    auto r = mail::policy_query(client, {{"request", "smtpd_access_policy"}});
    INFO(c.reply.substr(0, 40));
    REQUIRE_FALSE(r);
    REQUIRE(r.error().kind == c.kind);
  }
}

TEST_CASE("a reply with too many attributes is cut off", "[policy]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  std::string reply;
  for (int i = 0; i < 20; ++i) reply += "x" + std::to_string(i) + "=y\n";
  reply += "action=OK\n\n";
  REQUIRE(::write(pair->second.get(), reply.data(), reply.size()) ==
          static_cast<ssize_t>(reply.size()));
  util::Stream client(std::move(pair->first), 2s);
  mail::PolicyLimits limits;
  limits.max_attrs = 10;
  auto r = mail::policy_query(client, {{"request", "smtpd_access_policy"}}, limits);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "policy protocol: too many attributes");
}

TEST_CASE("a silent policy server makes the query time out", "[policy]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  util::Stream client(std::move(pair->first), 100ms);
  auto r = mail::policy_query(client, {{"request", "smtpd_access_policy"}});
  REQUIRE_FALSE(r);
  REQUIRE(r.error().kind == util::ErrorKind::kTimeout);
}
