// Unit tests for smtpd::lookup_client on a real loopback connection.
#include "smtpd/client_lookup.h"

#include <catch.hpp>

#include "libutil/socket.h"

TEST_CASE("lookup_client fills addresses and ports from a connected socket", "[smtpd]") {
  auto listener = util::inet_listen("127.0.0.1:0", 4);
  REQUIRE(listener);
  auto port = util::local_port(listener->get());
  REQUIRE(port);
  auto client = util::inet_connect("127.0.0.1", std::to_string(*port), std::chrono::seconds(5));
  REQUIRE(client);
  auto server = util::accept_with_timeout(listener->get(), std::chrono::seconds(5));
  REQUIRE(server);
  smtpd::ClientInfo info;
  smtpd::lookup_client(server->get(), false, info);
  CHECK(info.addr == "127.0.0.1");
  CHECK(info.server_addr == "127.0.0.1");
  CHECK(info.server_port == std::to_string(*port));
  auto peer_port = util::local_port(client->get());
  REQUIRE(peer_port);
  CHECK(info.port == std::to_string(*peer_port));
  CHECK(info.name == "unknown");
  CHECK(info.namaddr() == "unknown[127.0.0.1]");
  // With name lookups the name is either verified or "unknown", never unverified.
  smtpd::ClientInfo named;
  smtpd::lookup_client(server->get(), true, named);
  CHECK((named.name == "unknown" || named.name == named.reverse_name));
}
