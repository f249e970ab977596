// tcp:host:port against real loopback servers written here: Postfix's
// tcp_table(5) encoding, status codes, retries and what a bad server gets.
#include <catch.hpp>

#include <chrono>
#include <mutex>

#include "libutil/dict_client.h"
#include "tests/support/log_capture.h"
#include "tests/support/loopback_server.h"

using namespace std::chrono_literals;

namespace {

// Short limits so a broken server costs milliseconds.
const util::DictClientLimits kFast{300ms, 3, 10ms};

std::unique_ptr<util::Dict> open_tcp(const test::LoopbackServer& server,
                                     util::DictClientLimits limits = kFast) {
  auto d = util::open_tcp_dict_with(server.host_port(), {}, limits);
  REQUIRE(d);
  return std::move(*d);
}

// Answers each request line with reply(request).
test::LoopbackServer::Handler answer(std::function<std::string(const std::string&)> reply) {
  return [reply](test::Connection& c) {
    while (auto line = c.read_line()) {
      if (!c.write(reply(*line))) return;
    }
  };
}

}  // namespace

TEST_CASE("tcp table encodes the key and decodes a 200 reply", "[tables][tcp]") {
  std::mutex mu;
  std::vector<std::string> requests;
  test::LoopbackServer server(answer([&](const std::string& req) {
    std::lock_guard lock(mu);
    requests.push_back(req);
    return std::string("200 Hello%20World%2c%0a%25\n");
  }));
  auto d = open_tcp(server);
  auto r = d->lookup("A b%c\t\xc3\xa9@x:y");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "Hello World,\n%");
  std::lock_guard lock(mu);
  REQUIRE(requests.size() == 1);
  // Case is kept; %, white space and non-ASCII bytes are %XX-encoded.
  CHECK(requests[0] == "get A%20b%25c%09%C3%A9@x:y");
}

TEST_CASE("tcp table reads 500 as not found and 400 as a lookup error", "[tables][tcp]") {
  test::LoopbackServer server(answer([](const std::string& req) {
    return req == "get missing" ? std::string("500 no such key\n") : std::string("400 busy\n");
  }));
  auto d = open_tcp(server);
  auto nf = d->lookup("missing");
  REQUIRE(nf);
  CHECK_FALSE(*nf);
  auto err = d->lookup("other");
  REQUIRE_FALSE(err);
  CHECK(err.error().message.rfind("table tcp:" + server.host_port() + ": query error: ", 0) == 0);
  // One connection served both requests.
  CHECK(server.connections() == 1);
}

TEST_CASE("tcp table treats malformed replies as errors, with Postfix's warnings",
          "[tables][tcp]") {
  test::LoopbackServer server(answer([](const std::string& req) {
    if (req == "get garbage") return std::string("hello there\n");
    if (req == "get badcode") return std::string("300 what\n");
    if (req == "get badhex") return std::string("200 %4g\n");
    if (req == "get short") return std::string("200\n");
    return std::string("200 ok\n");
  }));
  auto d = open_tcp(server);
  std::string where = "read TCP map reply from " + server.host_port() + ": ";
  test::LogCapture log;
  CHECK_FALSE(d->lookup("garbage"));
  CHECK(log.contains("warning: " + where + "malformed reply: hello there"));
  CHECK_FALSE(d->lookup("badcode"));
  CHECK(log.contains("warning: " + where + "bad status code: 300 what"));
  CHECK_FALSE(d->lookup("badhex"));
  CHECK(log.contains("warning: " + where + "malformed reply: 200 %4g"));
  CHECK_FALSE(d->lookup("short"));
  CHECK(log.contains("warning: " + where + "malformed reply: 200"));
  // A bad reply is not retried, and the table still works afterwards.
  auto ok = d->lookup("fine");
  REQUIRE(ok);
  REQUIRE(*ok);
  CHECK(**ok == "ok");
}

TEST_CASE("tcp table warns about an empty 200 answer but returns it", "[tables][tcp]") {
  test::LoopbackServer server(answer([](const std::string&) { return std::string("200 \n"); }));
  auto d = open_tcp(server);
  test::LogCapture log;
  auto r = d->lookup("k");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->empty());
  CHECK(log.contains("empty string result is not allowed"));
}

TEST_CASE("tcp table retries a server that hangs up, then gives a lookup error",
          "[tables][tcp]") {
  test::LoopbackServer server([](test::Connection& c) { (void)c.read_line(); });
  auto d = open_tcp(server);
  test::LogCapture log;
  auto r = d->lookup("k");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind("table tcp:" + server.host_port() + ": query error: ", 0) == 0);
  CHECK(server.connections() == kFast.max_try);
  CHECK(log.contains("warning: read TCP map reply from " + server.host_port() +
                     ": unexpected EOF ("));
}

TEST_CASE("tcp table gives up on a stalling server after its timeout", "[tables][tcp]") {
  test::LoopbackServer server([](test::Connection& c) { c.stall(); });
  auto d = open_tcp(server, {200ms, 2, 10ms});
  auto start = std::chrono::steady_clock::now();
  auto r = d->lookup("k");
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("Connection timed out") != std::string::npos);
  CHECK(took < 2s);
}

TEST_CASE("tcp table bounds the reply line at 4096 bytes with the newline", "[tables][tcp]") {
  test::LoopbackServer server(answer([](const std::string& req) {
    size_t n = req == "get fits" ? 4091 : 4092;
    return "200 " + std::string(n, 'a') + "\n";
  }));
  auto d = open_tcp(server);
  auto fits = d->lookup("fits");
  REQUIRE(fits);
  REQUIRE(*fits);
  CHECK((*fits)->size() == 4091);
  test::LogCapture log;
  CHECK_FALSE(d->lookup("long"));
  CHECK(log.contains("text longer than 4096"));
}

TEST_CASE("tcp table reports a refused connection as a lookup error", "[tables][tcp]") {
  int port;
  {
    test::LoopbackServer gone([](test::Connection&) {});
    port = gone.port();
  }
  auto d = util::open_tcp_dict_with("127.0.0.1:" + std::to_string(port), {}, {200ms, 2, 1ms});
  REQUIRE(d);
  test::LogCapture log;
  auto r = (*d)->lookup("k");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "table tcp:127.0.0.1:" + std::to_string(port) +
                                 ": query error: Connection refused");
  CHECK(log.contains("warning: connect to TCP map 127.0.0.1:" + std::to_string(port) +
                     ": Connection refused"));
}

TEST_CASE("tcp table opens through dict_open, read-only and whole keys only", "[tables][tcp]") {
  test::LoopbackServer server(answer([](const std::string&) { return std::string("200 v\n"); }));
  auto d = util::dict_open("tcp:" + server.host_port());
  REQUIRE(d);
  CHECK((*d)->is_pattern());
  auto r = (*d)->lookup("k");
  REQUIRE(r);
  CHECK(**r == "v");
  CHECK_FALSE((*d)->update("k", "v"));
  util::DictOpenOptions writable;
  writable.writable = true;
  CHECK_FALSE(util::dict_open("tcp:" + server.host_port(), writable));
  CHECK_FALSE(util::dict_open("tcp:nohostport"));
}

TEST_CASE("tcp table reconnects when the server closed an idle connection", "[tables][tcp]") {
  // One answer per connection, then hang up, as a server with an idle timer.
  test::LoopbackServer server([](test::Connection& c) {
    if (c.read_line()) c.write("200 ok\n");
  });
  auto d = open_tcp(server);
  for (int i = 0; i < 3; ++i) {
    auto r = d->lookup("k");
    REQUIRE(r);
    REQUIRE(*r);
    CHECK(**r == "ok");
  }
  CHECK(server.connections() == 3);
}
