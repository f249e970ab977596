// trivial-rewrite under master: the `rewrite` service answers rewrite and
// resolve requests on private/rewrite, several on one connection.
#include <catch.hpp>

#include <string>

#include "libmail/attr.h"
#include "libmail/resolve.h"
#include "libmail/service_client.h"
#include "tests/integration/master_fixture.h"

namespace {

const char* const kServices =
    "rewrite unix - - n - - trivial-rewrite\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

}  // namespace

TEST_CASE("trivial-rewrite answers rewrite and resolve requests on private/rewrite",
          "[rewrite][master]") {
  master_test::Instance inst(kServices,
                             "mydomain = example.test\n"
                             "relay_domains = relay.example\n"
                             "transport_maps = inline:{{blocked.example=error:5.7.1 go away}}\n");
  REQUIRE(inst.start().exit_status == 0);
  const std::string path = inst.dir().file("queue/private/rewrite");
  REQUIRE(master_test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }));
  auto stream = mail::connect_service(path, std::chrono::seconds(10));
  REQUIRE(stream);

  auto ask = [&](const mail::AttrList& request) {
    auto reply = mail::attr_request(*stream, request);
    REQUIRE(reply);
    return *reply;
  };

  mail::AttrList rewrite;
  rewrite.add("request", "rewrite").add("rule", "local").add("address", "@a,@b:joe");
  mail::AttrList r1 = ask(rewrite);
  CHECK(r1.get_int("flags").value_or(-1) == 0);
  CHECK(r1.get_string("address").value_or("") == "joe@mx.example.test");

  mail::AttrList remote;
  remote.add("request", "rewrite").add("rule", "remote").add("address", "joe");
  CHECK(ask(remote).get_string("address").value_or("") == "joe");

  struct Row {
    const char* address;
    std::int64_t flags;
    const char* transport;
    const char* nexthop;
    const char* recipient;
  };
  for (const Row& row : {
           Row{"joe", mail::kResolveClassLocal, "local", "mx.example.test", "joe@mx.example.test"},
           Row{"ann@relay.example", mail::kResolveClassRelay, "relay", "relay.example",
               "ann@relay.example"},
           Row{"bob@far.example", mail::kResolveClassDefault, "smtp", "far.example",
               "bob@far.example"},
           Row{"eve@blocked.example", mail::kResolveClassDefault, "error", "5.7.1 go away",
               "eve@blocked.example"},
       }) {
    INFO("address: " << row.address);
    mail::AttrList resolve;
    resolve.add("request", "resolve").add("sender", "").add("address", row.address);
    mail::AttrList reply = ask(resolve);
    CHECK(reply.get_int("flags").value_or(-1) == row.flags);
    CHECK(reply.get_string("transport").value_or("") == row.transport);
    CHECK(reply.get_string("nexthop").value_or("") == row.nexthop);
    CHECK(reply.get_string("recipient").value_or("") == row.recipient);
  }
}

TEST_CASE("trivial-rewrite drops a client that sends an unknown request", "[rewrite][master]") {
  master_test::Instance inst(kServices);
  REQUIRE(inst.start().exit_status == 0);
  const std::string path = inst.dir().file("queue/private/rewrite");
  REQUIRE(master_test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }));
  auto stream = mail::connect_service(path, std::chrono::seconds(10));
  REQUIRE(stream);
  mail::AttrList bogus;
  bogus.add("request", "frobnicate").add("address", "x");
  CHECK_FALSE(mail::attr_request(*stream, bogus));
  CHECK(inst.log_has("warning: unrecognized request: \"frobnicate\""));
}
