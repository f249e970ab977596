// The scache daemon under a real master, as Debian's master.cf runs it
// (`scache unix - - y - 1 scache`): TCP connections saved by one client are
// taken over by another (the descriptor really travels: what the second
// writes, the server at the other end reads), expire after their time to
// live (capped by connection_cache_ttl_limit), and the statistics lines
// appear when scache exits at reload.
#include <poll.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>

#include "libmail/scache_client.h"
#include "libutil/socket.h"
#include "tests/integration/master_fixture.h"

using namespace std::chrono_literals;

namespace {

const char* const kServices =
    "scache    unix  -       -       y       -       1       scache\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

class ScacheSetup {
 public:
  explicit ScacheSetup(const std::string& main_cf = "") : inst_(kServices, main_cf) {
    REQUIRE(inst_.start().exit_status == 0);
    path_ = inst_.dir().file("queue/private/scache");
    REQUIRE(master_test::eventually([&] { return ::access(path_.c_str(), F_OK) == 0; }));
  }
  mail::ScacheClient client() const { return mail::ScacheClient(path_, 5s); }
  master_test::Instance& inst() { return inst_; }

 private:
  master_test::Instance inst_;
  std::string path_;
};

// A TCP server on loopback and one accepted connection to it.
struct TcpPair {
  util::Fd listener, client, server;
  std::string label;
  TcpPair() {
    listener = util::inet_listen("127.0.0.1:0", 5).value();
    int port = util::local_port(listener.get()).value();
    client = util::inet_connect("127.0.0.1", std::to_string(port), 5s).value();
    server = util::accept_with_timeout(listener.get(), 5s).value();
    label = "127.0.0.1:" + std::to_string(port);
  }
};

// What the server end reads next: the text, "EOF", or "" when nothing came.
std::string server_reads(const util::Fd& fd, int wait_ms) {
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, wait_ms) != 1) return "";
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  return n <= 0 ? "EOF" : std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("scache hands a TCP connection saved by one client to another", "[scache][master]") {
  if (test::skip_unless_root("master chroots scache")) return;
  ScacheSetup setup;
  TcpPair tcp;
  auto saver = setup.client();
  auto taker = setup.client();
  REQUIRE(saver.save_endp(2s, tcp.label, "endpoint-prop", tcp.client.get()));
  REQUIRE(saver.save_dest(2s, "example.com", "dest-prop", tcp.label));
  tcp.client.reset();  // the saver's copy; the connection stays open in scache
  CHECK(server_reads(tcp.server, 100) == "");

  auto found = taker.find_dest("example.com");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->dest_prop == "dest-prop");
  CHECK((*found)->endp_label == tcp.label);
  CHECK((*found)->endp_prop == "endpoint-prop");
  REQUIRE(::write((*found)->fd.get(), "EHLO", 4) == 4);
  CHECK(server_reads(tcp.server, 2000) == "EHLO");
  // Taken: nobody else gets it.
  auto again = saver.find_endp(tcp.label);
  REQUIRE(again);
  CHECK_FALSE(*again);
  // Back in the cache by endpoint, found by endpoint.
  REQUIRE(taker.save_endp(2s, tcp.label, "p2", (*found)->fd.get()));
  (*found)->fd.reset();
  auto by_endp = saver.find_endp(tcp.label);
  REQUIRE(by_endp);
  REQUIRE(*by_endp);
  CHECK((*by_endp)->endp_prop == "p2");
}

TEST_CASE(
    "scache closes a cached connection when its time to live, capped by "
    "connection_cache_ttl_limit, is up",
    "[scache][master][slow]") {
  if (test::skip_unless_root("master chroots scache")) return;
  ScacheSetup setup("connection_cache_ttl_limit = 1s\n");
  TcpPair tcp;
  auto client = setup.client();
  REQUIRE(client.save_endp(300s, tcp.label, "", tcp.client.get()));
  tcp.client.reset();
  CHECK(server_reads(tcp.server, 300) == "");
  CHECK(server_reads(tcp.server, 4000) == "EOF");
  auto gone = client.find_endp(tcp.label);
  REQUIRE(gone);
  CHECK_FALSE(*gone);
}

TEST_CASE("scache logs its statistics when it exits at reload", "[scache][master]") {
  if (test::skip_unless_root("master chroots scache")) return;
  ScacheSetup setup;
  {
    TcpPair tcp;
    auto client = setup.client();
    REQUIRE(client.find_dest("example.com").value() == std::nullopt);
    REQUIRE(client.find_endp(tcp.label).value() == std::nullopt);
    REQUIRE(client.save_endp(2s, tcp.label, "", tcp.client.get()));
    REQUIRE(client.save_dest(2s, "example.com", "", tcp.label));
  }
  REQUIRE(setup.inst().postfix("reload").exit_status == 0);
  auto& inst = setup.inst();
  CHECK(inst.log_has("/scache["));
  CHECK(inst.log_has("]: statistics: start interval "));
  CHECK(inst.log_has("]: statistics: domain lookup hits=0 miss=1 success=0%"));
  CHECK(inst.log_has("]: statistics: address lookup hits=0 miss=1 success=0%"));
  CHECK(inst.log_has("]: statistics: max simultaneous domains=1 addresses=1 connection=1"));
}
