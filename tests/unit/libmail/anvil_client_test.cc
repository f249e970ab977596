// mail::AnvilClient against a scripted server on a UNIX socket: what goes
// on the wire, how replies are read, and what happens when anvil is away.
#include "libmail/anvil_client.h"

#include <catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "libmail/attr.h"
#include "libutil/socket.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// Accepts `connections` clients one after another; on each answers up to
// `per_connection` requests with {status, count=7, rate=N, ...} where N
// counts requests overall, and records "request ident" of each.
class FakeAnvil {
 public:
  FakeAnvil(const std::string& path, int connections, int per_connection)
      : listen_(util::unix_listen(path, 5).value()) {
    thread_ = std::thread([this, connections, per_connection] {
      for (int c = 0; c < connections; ++c) {
        auto fd = util::accept_with_timeout(listen_.get(), 10s);
        if (!fd) return;
        util::Stream s(std::move(*fd), 10s);
        for (int i = 0; i < per_connection; ++i) {
          auto req = mail::read_attrs(s);
          if (!req) break;
          seen_.push_back(req->get_string("request").value_or("?") + " " +
                          req->get_string("ident").value_or("?"));
          mail::AttrList reply;
          bool fail = req->get_string("ident").value_or("") == "smtp:fail";
          reply.add("status", fail ? 1 : 0);
          reply.add("count", 7);
          reply.add("rate", static_cast<int>(seen_.size()));
          for (const char* n : {"message_rate", "recipient_rate", "newtls_rate", "auth_rate"})
            reply.add(n, 3);
          if (!mail::write_attrs(s, reply)) break;
        }
      }
    });
  }
  ~FakeAnvil() { thread_.join(); }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  util::Fd listen_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("anvil client sends the request and ident and reads counts and rates", "[anvil_client]") {
  test::TempDir dir;
  const std::string path = dir.file("anvil");
  std::vector<std::string> seen;
  {
    FakeAnvil server(path, 1, 100);
    mail::AnvilClient client(path, 5s);
    auto c = client.connect("smtp", "127.0.0.2");
    REQUIRE(c);
    CHECK(c->count == 7);
    CHECK(c->rate == 1);
    CHECK(client.message("smtp", "127.0.0.2").value() == 2);
    CHECK(client.recipient("smtp", "127.0.0.2").value() == 3);
    CHECK(client.newtls("smtp", "127.0.0.2").value() == 4);
    CHECK(client.newtls_report("smtp", "127.0.0.2").value() == 5);
    CHECK(client.auth("smtp", "127.0.0.2").value() == 6);
    auto l = client.lookup("smtp", "::1");
    REQUIRE(l);
    CHECK(l->count == 7);
    CHECK(l->rate == 7);
    CHECK(l->auth_rate == 3);
    auto f = client.message("smtp", "fail");
    REQUIRE_FALSE(f);
    CHECK(f.error().message.find("failed") != std::string::npos);
    CHECK(client.disconnect("smtp", "127.0.0.2"));
    client = mail::AnvilClient("unused", 1s);  // closes the connection: the server ends
    seen = server.seen();
  }
  CHECK(seen == std::vector<std::string>{
                    "connect smtp:127.0.0.2", "message smtp:127.0.0.2", "recipient smtp:127.0.0.2",
                    "newtls smtp:127.0.0.2", "newtls_report smtp:127.0.0.2", "auth smtp:127.0.0.2",
                    "lookup smtp:::1", "message smtp:fail", "disconnect smtp:127.0.0.2"});
}

TEST_CASE("anvil client reports an absent anvil and reconnects after a lost connection",
          "[anvil_client]") {
  test::TempDir dir;
  const std::string path = dir.file("anvil");
  mail::AnvilClient client(path, 2s);
  auto none = client.connect("smtp", "127.0.0.2");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.starts_with("connect to " + path + ": "));

  FakeAnvil server(path, 2, 1);  // each connection answers once, then closes
  CHECK(client.message("smtp", "127.0.0.2").value() == 1);
  auto lost = client.message("smtp", "127.0.0.2");
  REQUIRE_FALSE(lost);
  CHECK(lost.error().message.starts_with("problem talking to server " + path));
  CHECK(client.message("smtp", "127.0.0.2").value() == 2);
}

TEST_CASE("anvil ident is service:address", "[anvil_client]") {
  CHECK(mail::anvil_ident("smtp", "127.0.0.2") == "smtp:127.0.0.2");
  CHECK(mail::anvil_ident("127.0.0.1:25", "::1") == "127.0.0.1:25:::1");
}
