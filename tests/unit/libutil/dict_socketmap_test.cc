// socketmap:inet:... and socketmap:unix:... against real loopback servers
// written here: netstring framing, the five reply kinds, the 100000-byte
// limit, and what a server that hangs up, garbles or stalls gets.
#include <catch.hpp>

#include <chrono>
#include <mutex>

#include "libutil/dict_client.h"
#include "tests/support/log_capture.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

const util::DictClientLimits kFast{300ms, 2, 10ms};

std::string inet_name(const test::LoopbackServer& s, const std::string& map = "mymap") {
  return "inet:" + s.host_port() + ":" + map;
}

std::unique_ptr<util::Dict> open_map(const std::string& name,
                                     util::DictClientLimits limits = kFast) {
  auto d = util::open_socketmap_dict_with(name, {}, limits);
  REQUIRE(d);
  return std::move(*d);
}

// Answers each request netstring with reply(payload), sent as given.
test::LoopbackServer::Handler answer(std::function<std::string(const std::string&)> reply) {
  return [reply](test::Connection& c) {
    while (auto req = c.read_netstring()) {
      if (!c.write(reply(*req))) return;
    }
  };
}

}  // namespace

TEST_CASE("socketmap sends 'name key' and returns the OK data as is", "[tables][socketmap]") {
  std::mutex mu;
  std::vector<std::string> requests;
  test::LoopbackServer server(answer([&](const std::string& req) {
    std::lock_guard lock(mu);
    requests.push_back(req);
    return test::netstring("OK Hello  World%20");
  }));
  auto d = open_map(inet_name(server));
  auto r = d->lookup("Key A%");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "Hello  World%20");
  std::lock_guard lock(mu);
  CHECK(requests == std::vector<std::string>{"mymap Key A%"});
}

TEST_CASE("socketmap reads NOTFOUND as not found and TEMP, TIMEOUT, PERM as errors",
          "[tables][socketmap]") {
  test::LoopbackServer server(answer([](const std::string& req) {
    std::string key = req.substr(req.find(' ') + 1);
    if (key == "nf") return test::netstring("NOTFOUND ");
    if (key == "temp") return test::netstring("TEMP busy now");
    if (key == "timeout") return test::netstring("TIMEOUT slow");
    if (key == "perm") return test::netstring("PERM bad");
    if (key == "bare") return test::netstring("TEMP");
    if (key == "odd") return test::netstring("ok hi");
    if (key == "empty") return test::netstring("OK ");
    return test::netstring("OK v");
  }));
  std::string name = inet_name(server);
  auto d = open_map(name);
  test::LogCapture log;
  auto nf = d->lookup("nf");
  REQUIRE(nf);
  CHECK_FALSE(*nf);

  auto temp = d->lookup("temp");
  REQUIRE_FALSE(temp);
  CHECK(temp.error().message.rfind("table socketmap:" + name + ": query error: ", 0) == 0);
  CHECK(log.contains("warning: socketmap:" + name + " socketmap server temporary error: busy now"));
  CHECK_FALSE(d->lookup("timeout"));
  CHECK(log.contains("warning: socketmap:" + name + " socketmap server timeout error: slow"));
  auto perm = d->lookup("perm");
  REQUIRE_FALSE(perm);
  CHECK(perm.error().message == "table socketmap:" + name + ": query error");
  CHECK(log.contains("warning: socketmap:" + name + " socketmap server permanent error: bad"));
  CHECK_FALSE(d->lookup("bare"));
  CHECK(log.contains("warning: socketmap:" + name + " socketmap server temporary error"));
  CHECK_FALSE(d->lookup("odd"));
  CHECK(log.contains("warning: socketmap:" + name + " socketmap server unknown error: hi"));

  auto empty = d->lookup("empty");
  REQUIRE(empty);
  REQUIRE(*empty);
  CHECK((*empty)->empty());
  CHECK(log.contains("empty string result is not allowed"));
  auto ok = d->lookup("k");
  REQUIRE(ok);
  CHECK(**ok == "v");
}

TEST_CASE("socketmap rejects malformed and over-long netstrings without retrying",
          "[tables][socketmap]") {
  test::LoopbackServer server(answer([](const std::string& req) {
    std::string key = req.substr(req.find(' ') + 1);
    if (key == "nocomma") return std::string("4:OK v;");
    if (key == "letters") return std::string("abc");
    if (key == "max") return test::netstring("OK " + std::string(99997, 'a'));
    if (key == "over") return std::string("100001:OK ");
    return test::netstring("OK v");
  }));
  std::string name = inet_name(server);
  auto d = open_map(name);
  test::LogCapture log;
  CHECK_FALSE(d->lookup("nocomma"));
  CHECK(log.contains("warning: table socketmap:" + name + " lookup error: input format error"));
  CHECK_FALSE(d->lookup("letters"));
  auto max = d->lookup("max");
  REQUIRE(max);
  REQUIRE(*max);
  CHECK((*max)->size() == 99997);
  log.clear();
  CHECK_FALSE(d->lookup("over"));
  CHECK(log.contains("warning: table socketmap:" + name +
                     " lookup error: input exceeds size limit"));
  // Each failure dropped its connection; none was retried.
  CHECK(server.connections() == 3);
}

TEST_CASE("socketmap reconnects once when the server hangs up, then reports it",
          "[tables][socketmap]") {
  test::LoopbackServer server([](test::Connection& c) { (void)c.read_netstring(); });
  std::string name = inet_name(server);
  auto d = open_map(name);
  test::LogCapture log;
  auto r = d->lookup("k");
  REQUIRE_FALSE(r);
  CHECK(server.connections() == 2);
  CHECK(log.contains("warning: table socketmap:" + name + " lookup error: unexpected disconnect"));
}

TEST_CASE("socketmap gives up on a stalling server after its timeout", "[tables][socketmap]") {
  test::LoopbackServer server([](test::Connection& c) { c.stall(); });
  auto d = open_map(inet_name(server), {200ms, 2, 10ms});
  auto start = std::chrono::steady_clock::now();
  test::LogCapture log;
  REQUIRE_FALSE(d->lookup("k"));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK(log.contains("lookup error: time limit exceeded"));
}

TEST_CASE("socketmap speaks over a UNIX-domain socket too", "[tables][socketmap]") {
  test::TempDir tmp;
  std::string path = tmp.file("sock");
  test::LoopbackServer server(path, answer([](const std::string& req) {
    return test::netstring("OK got " + req);
  }));
  auto d = util::dict_open("socketmap:unix:" + path + ":virtual");
  REQUIRE(d);
  auto r = (*d)->lookup("a@b");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "got virtual a@b");
}

TEST_CASE("socketmap names its endpoint errors as Postfix does", "[tables][socketmap]") {
  auto bad = [](const std::string& name) {
    auto d = util::dict_open("socketmap:" + name);
    REQUIRE_FALSE(d);
    return d.error().message;
  };
  CHECK(bad("unix:/path") == "need service transport:endpoint instead of \"unix\"");
  CHECK(bad("foo:bar") == "need service transport:endpoint instead of \"foo\"");
  CHECK(bad("bogus:/x:y") == "invalid transport name: bogus in service: bogus:/x");
  test::TempDir tmp;
  auto d = util::dict_open("socketmap:unix:" + tmp.file("none") + ":m");
  REQUIRE(d);
  test::LogCapture log;
  auto r = (*d)->lookup("k");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("query error: No such file or directory") != std::string::npos);
  CHECK(log.contains("warning: connect to " + tmp.file("none") + ": No such file or directory"));
}
