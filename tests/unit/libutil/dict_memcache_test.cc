// memcache:/file against a small memcached written here (the text protocol
// over a real loopback socket), and against /usr/bin/memcached when it is
// installed: get/set/delete, key_format, domain, backup, and what a server
// that garbles, hangs up or stalls gets.
#include <catch.hpp>

#include <signal.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "libutil/dict_memcache.h"
#include "libutil/socket.h"
#include "tests/support/log_capture.h"
#include "tests/support/loopback_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// Enough of memcached's text protocol for the client: get, set, delete.
class FakeMemcached {
 public:
  FakeMemcached() : server_([this](test::Connection& c) { serve(c); }) {}

  std::string endpoint() const { return "inet:" + server_.host_port(); }
  int connections() const { return server_.connections(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void put(const std::string& key, const std::string& value) {
    std::lock_guard lock(mu_);
    store_[key] = value;
  }
  std::optional<std::string> get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = store_.find(key);
    if (it == store_.end()) return std::nullopt;
    return it->second;
  }

 private:
  void serve(test::Connection& c) {
    while (auto line = c.read_line()) {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      std::unique_lock lock(mu_);
      requests_.push_back(*line);
      std::vector<std::string> w;
      for (size_t p = 0; p < line->size();) {
        size_t sp = line->find(' ', p);
        if (sp == std::string::npos) sp = line->size();
        w.push_back(line->substr(p, sp - p));
        p = sp + 1;
      }
      std::string reply;
      if (w.size() == 2 && w[0] == "get") {
        auto it = store_.find(w[1]);
        if (it != store_.end())
          reply = "VALUE " + w[1] + " 0 " + std::to_string(it->second.size()) + "\r\n" +
                  it->second + "\r\n";
        reply += "END\r\n";
      } else if (w.size() == 5 && w[0] == "set") {
        lock.unlock();
        auto data = c.read_exact(std::stoul(w[4]) + 2);
        if (!data) return;
        lock.lock();
        store_[w[1]] = data->substr(0, data->size() - 2);
        requests_.back() += " [" + store_[w[1]] + "]";
        reply = "STORED\r\n";
      } else if (w.size() == 2 && w[0] == "delete") {
        reply = store_.erase(w[1]) ? "DELETED\r\n" : "NOT_FOUND\r\n";
      } else {
        reply = "ERROR\r\n";
      }
      lock.unlock();
      if (!c.write(reply)) return;
    }
  }

  std::mutex mu_;
  std::map<std::string, std::string> store_;
  std::vector<std::string> requests_;
  test::LoopbackServer server_;  // last: stops before the members it uses go
};

std::unique_ptr<util::Dict> open_file(const test::TempDir& tmp, const std::string& cf,
                                      util::DictOpenOptions options = {}) {
  std::string path = tmp.write("memcache.cf", cf);
  auto d = util::dict_open("memcache:" + path, options);
  REQUIRE(d);
  return std::move(*d);
}

util::MemcacheSettings fast(const std::string& endpoint) {
  util::MemcacheSettings s;
  auto e = util::parse_dict_service(endpoint);
  REQUIRE(e);
  s.endpoint = *e;
  s.timeout = 200ms;
  s.retry_pause = 10ms;
  return s;
}

}  // namespace

TEST_CASE("memcache table looks up, updates and deletes through the text protocol",
          "[tables][memcache]") {
  FakeMemcached mc;
  mc.put("foo", "bar\tbaz x");
  test::TempDir tmp;
  auto d = open_file(tmp, "# a comment\nmemcache = " + mc.endpoint() + "\nttl = 60\n");
  auto r = d->lookup("Foo");  // folded to lower case, as Postfix does
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "bar\tbaz x");
  auto nf = d->lookup("nothing");
  REQUIRE(nf);
  CHECK_FALSE(*nf);
  REQUIRE(d->update("New", "value one"));
  CHECK(mc.get("new") == "value one");
  auto del = d->remove("new");
  REQUIRE(del);
  CHECK(*del);
  auto del2 = d->remove("new");
  REQUIRE(del2);
  CHECK_FALSE(*del2);
  CHECK(mc.requests() == std::vector<std::string>{"get foo", "get nothing",
                                                  "set new 0 60 9 [value one]", "delete new",
                                                  "delete new"});
  CHECK(mc.connections() == 1);
}

TEST_CASE("memcache table applies key_format and domain, and skips keys memcache cannot hold",
          "[tables][memcache]") {
  FakeMemcached mc;
  mc.put("k:example.com:joe:com", "found");
  test::TempDir tmp;
  auto d = open_file(tmp, "memcache = " + mc.endpoint() +
                              "\nkey_format = k:%d:%u:%1\ndomain = example.com, example.org\n");
  auto r = d->lookup("Joe@Example.COM");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "found");
  // Not in the domain list, no domain, empty local part, white space: no request.
  for (const char* key : {"joe@other.com", "joe", "@example.com", "a b@example.com"}) {
    INFO(key);
    auto s = d->lookup(key);
    REQUIRE(s);
    CHECK_FALSE(*s);
  }
  CHECK(mc.requests() == std::vector<std::string>{"get k:example.com:joe:com"});
}

TEST_CASE("memcache table without backup cannot list entries, and says so as Postfix",
          "[tables][memcache]") {
  FakeMemcached mc;
  test::TempDir tmp;
  auto d = open_file(tmp, "memcache = " + mc.endpoint() + "\n");
  test::LogCapture log;
  int n = 0;
  REQUIRE(d->for_each([&](std::string_view, std::string_view) { ++n; }));
  CHECK(n == 0);
  CHECK(log.contains("warning: database memcache:" + tmp.file("memcache.cf") +
                     ": first/next support requires backup database"));
}

TEST_CASE("memcache table with a backup fills the cache from it", "[tables][memcache]") {
  FakeMemcached mc;
  test::TempDir tmp;
  std::string backup = "texthash:" + tmp.write("backup", "persist yes\n");
  auto d = open_file(tmp, "memcache = " + mc.endpoint() + "\nbackup = " + backup + "\n");
  auto r = d->lookup("persist");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "yes");
  CHECK(mc.get("persist") == "yes");
  int n = 0;
  REQUIRE(d->for_each([&](std::string_view k, std::string_view v) {
    ++n;
    CHECK(k == "persist");
    CHECK(v == "yes");
  }));
  CHECK(n == 1);
}

TEST_CASE("memcache table retries a garbling server max_try times, then errors",
          "[tables][memcache]") {
  test::LoopbackServer server([](test::Connection& c) {
    while (c.read_line()) c.write("HELLO THERE\r\n");
  });
  auto d = util::open_memcache_dict_with("/etc/mc.cf", {}, fast("inet:" + server.host_port()));
  REQUIRE(d);
  test::LogCapture log;
  auto r = (*d)->lookup("foo");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind("table memcache:/etc/mc.cf: query error: ", 0) == 0);
  CHECK(server.connections() == 2);
  CHECK(log.contains("warning: /etc/mc.cf: unexpected memcache server reply: HELLO THERE"));
}

TEST_CASE("memcache table gives an I/O error for a server that hangs up or stalls",
          "[tables][memcache]") {
  test::LoopbackServer eof([](test::Connection& c) { (void)c.read_line(); });
  test::LoopbackServer stall([](test::Connection& c) { c.stall(); });
  test::LogCapture log;
  auto d1 = util::open_memcache_dict_with("/etc/a.cf", {}, fast("inet:" + eof.host_port()));
  REQUIRE(d1);
  CHECK_FALSE((*d1)->lookup("foo"));
  CHECK(log.contains("warning: database memcache:/etc/a.cf: I/O error: "));
  auto d2 = util::open_memcache_dict_with("/etc/b.cf", {}, fast("inet:" + stall.host_port()));
  REQUIRE(d2);
  auto start = std::chrono::steady_clock::now();
  auto r = (*d2)->lookup("foo");
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "table memcache:/etc/b.cf: query error: Connection timed out");
}

TEST_CASE("memcache table bounds the reply data by data_size_limit", "[tables][memcache]") {
  FakeMemcached mc;
  mc.put("big", std::string(100, 'x'));
  auto s = fast(mc.endpoint());
  s.data_size_limit = 99;
  auto d = util::open_memcache_dict_with("/etc/mc.cf", {}, s);
  REQUIRE(d);
  CHECK_FALSE((*d)->lookup("big"));
}

TEST_CASE("memcache table does not retry a refused connection", "[tables][memcache]") {
  int port;
  {
    test::LoopbackServer gone([](test::Connection&) {});
    port = gone.port();
  }
  auto d = util::open_memcache_dict_with(
      "/etc/mc.cf", {}, fast("inet:127.0.0.1:" + std::to_string(port)));
  REQUIRE(d);
  test::LogCapture log;
  auto r = (*d)->lookup("foo");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "table memcache:/etc/mc.cf: query error: Connection refused");
  CHECK(log.contains("warning: connect to 127.0.0.1:" + std::to_string(port) +
                     ": Connection refused"));
}

TEST_CASE("memcache table reports a missing configuration file", "[tables][memcache]") {
  test::TempDir tmp;
  auto d = util::dict_open("memcache:" + tmp.file("none.cf"));
  REQUIRE_FALSE(d);
  CHECK(d.error().message == "open " + tmp.file("none.cf") + ": No such file or directory");
}

TEST_CASE("memcache table works against a real memcached", "[tables][memcache][interop]") {
  if (test::skip_without("/usr/bin/memcached", "memcache interop")) return;
  // memcached picks no free port itself: take one, release it, hand it over.
  int port;
  {
    test::LoopbackServer probe([](test::Connection&) {});
    port = probe.port();
  }
  test::TempDir tmp;
  // In the foreground of a background shell job, so its pid is known.
  auto started = test::run({"/bin/sh", "-c",
                            "/usr/bin/memcached -u nobody -l 127.0.0.1 -p " +
                                std::to_string(port) + " -U 0 >/dev/null 2>&1 & echo $!"});
  REQUIRE(started.exit_status == 0);
  pid_t pid = static_cast<pid_t>(std::stol(started.out));
  REQUIRE(pid > 0);
  struct Stop {
    pid_t pid;
    ~Stop() { ::kill(pid, SIGTERM); }
  } stop{pid};
  // Wait until it listens.
  for (int i = 0; i < 100; ++i) {
    if (util::inet_connect("127.0.0.1", std::to_string(port), 100ms)) break;
    std::this_thread::sleep_for(20ms);
  }
  auto d = open_file(tmp, "memcache = inet:127.0.0.1:" + std::to_string(port) + "\n");
  REQUIRE(d->update("Key", "a value"));
  auto r = d->lookup("key");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == "a value");
  auto del = d->remove("KEY");
  REQUIRE(del);
  CHECK(*del);
  auto gone = d->lookup("key");
  REQUIRE(gone);
  CHECK_FALSE(*gone);
}
