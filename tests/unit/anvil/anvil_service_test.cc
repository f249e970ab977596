// anvil's request handling (anvil/anvil_service.h): the protocol of
// libmail/anvil_client.h on the daemon side, without a socket.
#include "anvil/anvil_service.h"

#include <catch.hpp>

namespace {

mail::AttrList request(const std::string& kind, const std::string& ident = "smtp:127.0.0.2") {
  mail::AttrList r;
  r.add("request", kind);
  r.add("ident", ident);
  return r;
}

long num(const mail::AttrList& reply, const char* name) {
  auto v = reply.get_int(name);
  REQUIRE(v);
  return static_cast<long>(*v);
}

}  // namespace

TEST_CASE("anvil answers connect, rate, lookup and disconnect requests", "[anvil]") {
  anvil::AnvilTable t(60, 100);
  auto r = anvil::handle_request(t, 1, request("connect"), 1000);
  CHECK(num(r, "status") == 0);
  CHECK(num(r, "count") == 1);
  CHECK(num(r, "rate") == 1);
  for (const char* kind : {"message", "recipient", "newtls", "auth"}) {
    r = anvil::handle_request(t, 1, request(kind), 1000);
    CHECK(num(r, "status") == 0);
    CHECK(num(r, "rate") == 1);
  }
  r = anvil::handle_request(t, 1, request("newtls_report"), 1000);
  CHECK(num(r, "rate") == 1);
  r = anvil::handle_request(t, 2, request("recipient"), 1000);
  r = anvil::handle_request(t, 2, request("lookup"), 1000);
  CHECK(num(r, "count") == 1);
  CHECK(num(r, "rate") == 1);
  CHECK(num(r, "message_rate") == 1);
  CHECK(num(r, "recipient_rate") == 2);
  CHECK(num(r, "newtls_rate") == 1);
  CHECK(num(r, "auth_rate") == 1);
  r = anvil::handle_request(t, 1, request("disconnect"), 1001);
  CHECK(num(r, "status") == 0);
  CHECK(num(anvil::handle_request(t, 1, request("lookup"), 1001), "count") == 0);
}

TEST_CASE("anvil answers bad requests with a failure status", "[anvil]") {
  anvil::AnvilTable t(60, 100);
  CHECK(num(anvil::handle_request(t, 1, request("frobnicate"), 1000), "status") == 1);
  mail::AttrList no_ident;
  no_ident.add("request", "connect");
  CHECK(num(anvil::handle_request(t, 1, no_ident, 1000), "status") == 1);
  CHECK(num(anvil::handle_request(t, 1, request("connect", ""), 1000), "status") == 1);
  CHECK(t.size() == 0);
}
