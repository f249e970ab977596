// mail::ScacheClient against a scripted server: descriptors travel both ways
// with SCM_RIGHTS right after the attribute lists.
#include "libmail/scache_client.h"

#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "libmail/attr.h"
#include "libutil/socket.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

TEST_CASE("scache client passes a descriptor to save_endp and gets one back from find_endp",
          "[scache_client]") {
  test::TempDir dir;
  const std::string path = dir.file("scache");
  util::Fd listen = util::unix_listen(path, 5).value();
  std::string seen;
  std::thread server([&] {
    auto fd = util::accept_with_timeout(listen.get(), 10s);
    if (!fd) return;
    util::Stream s(std::move(*fd), 10s);
    auto save = mail::read_attrs(s);
    if (!save) return;
    seen = save->get_string("request").value_or("") + " " + save->get_string("label").value_or("") +
           " ttl=" + std::to_string(save->get_int("ttl").value_or(-1));
    mail::AttrList go;
    go.add("status", 0);
    (void)mail::write_attrs(s, go);
    auto passed = util::recv_fd(s.fd(), 5s);
    if (!passed) return;
    mail::AttrList ok;
    ok.add("status", 0);
    (void)mail::write_attrs(s, ok);
    auto find = mail::read_attrs(s);
    if (!find) return;
    mail::AttrList reply;
    reply.add("status", 0);
    reply.add("prop", "p");
    (void)mail::write_attrs(s, reply);
    auto ready = mail::read_attrs(s);
    if (!ready) return;
    seen += " then " + ready->get_string("request").value_or("");
    (void)util::send_fd(s.fd(), passed->get());
    auto miss = mail::read_attrs(s);
    if (!miss) return;
    mail::AttrList none;
    none.add("status", 1);
    (void)mail::write_attrs(s, none);
  });

  auto pair = util::socket_pair().value();
  mail::ScacheClient client(path, 5s);
  REQUIRE(client.save_endp(2s, "127.0.0.1:25", "p", pair.first.get()));
  pair.first.reset();  // ours is closed; the server holds the connection
  auto found = client.find_endp("127.0.0.1:25");
  if (!found) {
    server.join();
    FAIL(found.error().message);
  }
  REQUIRE(*found);
  CHECK((*found)->endp_prop == "p");
  REQUIRE(::write((*found)->fd.get(), "hi", 2) == 2);
  char buf[2];
  REQUIRE(::read(pair.second.get(), buf, 2) == 2);
  CHECK(std::string(buf, 2) == "hi");
  auto miss = client.find_endp("127.0.0.1:26");
  REQUIRE(miss);
  CHECK_FALSE(*miss);
  server.join();
  CHECK(seen == "save_endp 127.0.0.1:25 ttl=2 then ready");
}

TEST_CASE("scache client reports an absent scache", "[scache_client]") {
  test::TempDir dir;
  mail::ScacheClient client(dir.file("none"), 2s);
  auto r = client.find_dest("example.com");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.starts_with("connect to " + dir.file("none")));
}
