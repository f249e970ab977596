// scache's connection store (scache/scache_table.h) with a hand-driven clock
// and real descriptors (socket pairs: closing one end is visible at the other).
#include "scache/scache_table.h"

#include <poll.h>
#include <unistd.h>

#include <catch.hpp>
#include <string>
#include <utility>

#include "libutil/socket.h"

namespace {

// A connection to cache, and the peer that sees when it is closed.
struct Pair {
  util::Fd mine, peer;
  Pair() {
    auto p = util::socket_pair().value();
    mine = std::move(p.first);
    peer = std::move(p.second);
  }
};

bool peer_closed(const util::Fd& peer) {
  pollfd p{peer.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) != 1) return false;
  char c;
  return ::read(peer.get(), &c, 1) == 0;
}

}  // namespace

TEST_CASE("scache hands a saved connection to the first who asks, once", "[scache]") {
  scache::ScacheTable t(10);
  Pair a;
  t.save_endp("127.0.0.1:25", "p1", std::move(a.mine), 1002, 1000);
  CHECK(t.sessions() == 1);
  auto found = t.find_endp("127.0.0.1:25", 1001);
  REQUIRE(found);
  CHECK(found->endp_prop == "p1");
  // The descriptor is the same connection: what we write, the peer reads.
  REQUIRE(::write(found->fd.get(), "x", 1) == 1);
  char c = 0;
  REQUIRE(::read(a.peer.get(), &c, 1) == 1);
  CHECK(c == 'x');
  CHECK_FALSE(t.find_endp("127.0.0.1:25", 1001));
  CHECK(t.sessions() == 0);
}

TEST_CASE("scache finds a destination's connection through its endpoint", "[scache]") {
  scache::ScacheTable t(10);
  Pair a;
  t.save_endp("10.0.0.1:25", "ep", std::move(a.mine), 1010, 1000);
  t.save_dest("example.com", "dp", "10.0.0.1:25", 1010, 1000);
  auto found = t.find_dest("example.com", 1001);
  REQUIRE(found);
  CHECK(found->dest_prop == "dp");
  CHECK(found->endp_label == "10.0.0.1:25");
  CHECK(found->endp_prop == "ep");
  // The destination is still known, but has no connection now.
  CHECK_FALSE(t.find_dest("example.com", 1002));
  CHECK_FALSE(t.find_dest("example.org", 1002));
}

TEST_CASE("scache closes connections when their time is up", "[scache]") {
  scache::ScacheTable t(10);
  Pair a, b;
  t.save_endp("e", "", std::move(a.mine), 1002, 1000);
  t.save_endp("e", "", std::move(b.mine), 1005, 1000);
  t.expire(1001);
  CHECK(t.sessions() == 2);
  CHECK_FALSE(peer_closed(a.peer));
  t.expire(1002);
  CHECK(t.sessions() == 1);
  CHECK(peer_closed(a.peer));
  CHECK_FALSE(peer_closed(b.peer));
  t.save_dest("d", "", "e", 1003, 1002);
  t.expire(1003);
  CHECK(t.destinations() == 0);
  CHECK_FALSE(t.find_dest("d", 1003));
}

TEST_CASE("scache is bounded: the oldest connection is closed to make room", "[scache]") {
  scache::ScacheTable t(2);
  Pair a, b, c;
  t.save_endp("e1", "", std::move(a.mine), 2000, 1000);
  t.save_endp("e2", "", std::move(b.mine), 2000, 1000);
  t.save_endp("e2", "", std::move(c.mine), 2000, 1000);
  CHECK(t.sessions() == 2);
  CHECK(peer_closed(a.peer));
  CHECK_FALSE(t.find_endp("e1", 1001));
  CHECK(t.find_endp("e2", 1001));
}

TEST_CASE("scache statistics read as Postfix's", "[scache]") {
  scache::ScacheTable t(10);
  t.set_start(1765000000);
  CHECK(t.statistics(1765000001).empty());
  Pair a;
  CHECK_FALSE(t.find_dest("example.com", 1765000002));
  CHECK_FALSE(t.find_endp("10.0.0.1:25", 1765000002));
  t.save_endp("10.0.0.1:25", "", std::move(a.mine), 1765000010, 1765000002);
  t.save_dest("example.com", "", "10.0.0.1:25", 1765000010, 1765000002);
  CHECK(t.find_dest("example.com", 1765000003));
  auto lines = t.statistics(1765000004);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].starts_with("statistics: start interval "));
  CHECK(lines[0].size() == std::string("statistics: start interval ").size() + 15);
  CHECK(lines[1] == "statistics: domain lookup hits=1 miss=1 success=50%");
  CHECK(lines[2] == "statistics: address lookup hits=0 miss=1 success=0%");
  CHECK(lines[3] == "statistics: max simultaneous domains=1 addresses=1 connection=1");
  // A new interval: only what is still there.
  lines = t.statistics(1765000005);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "statistics: max simultaneous domains=1 addresses=0 connection=0");
}
