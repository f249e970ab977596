#include "libutil/socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "libutil/stream.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

TEST_CASE("split_host_port understands the master.cf endpoint forms", "[socket]") {
  auto a = util::split_host_port("127.0.0.1:25");
  REQUIRE(a);
  REQUIRE(a->host == "127.0.0.1");
  REQUIRE(a->port == "25");
  auto b = util::split_host_port("[::1]:2525");
  REQUIRE(b->host == "::1");
  REQUIRE(b->port == "2525");
  auto c = util::split_host_port("smtp");
  REQUIRE(c->host.empty());
  REQUIRE(c->port == "smtp");
  REQUIRE_FALSE(util::split_host_port("[::1]"));
  REQUIRE_FALSE(util::split_host_port("a:b:c"));
  REQUIRE_FALSE(util::split_host_port("host:"));
}

TEST_CASE("a UNIX stream socket carries data both ways and names the peer's uid", "[socket]") {
  test::TempDir dir;
  std::string path = dir.file("public-pickup");
  auto listener = util::unix_listen(path, 10);
  REQUIRE(listener);
  auto client = util::unix_connect(path, 1s);
  REQUIRE(client);
  auto server = util::accept_with_timeout(listener->get(), 1s);
  REQUIRE(server);
  REQUIRE(::write(client->get(), "W", 1) == 1);
  char c = 0;
  REQUIRE(::read(server->get(), &c, 1) == 1);
  REQUIRE(c == 'W');
  auto cred = util::peer_credentials(server->get());
  REQUIRE(cred);
  REQUIRE(cred->uid == ::getuid());
  REQUIRE(cred->pid == ::getpid());
  // Binding again over the old socket file works (master restarting).
  listener->reset();
  REQUIRE(util::unix_listen(path, 10));
}

TEST_CASE("connecting to a missing UNIX socket fails with the path in the message", "[socket]") {
  test::TempDir dir;
  auto r = util::unix_connect(dir.file("nothing"), 1s);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "connect to " + dir.file("nothing") + ": No such file or directory");
}

TEST_CASE("a UNIX datagram socket receives what a connected sender sends", "[socket]") {
  test::TempDir dir;
  auto sink = util::unix_listen(dir.file("postlog"), 0, util::SocketType::kDgram);
  REQUIRE(sink);
  auto sender = util::unix_connect(dir.file("postlog"), 1s, util::SocketType::kDgram);
  REQUIRE(sender);
  REQUIRE(::send(sender->get(), "hello log", 9, 0) == 9);
  char buf[64];
  REQUIRE(::recv(sink->get(), buf, sizeof buf, 0) == 9);
  REQUIRE(std::string(buf, 9) == "hello log");
}

TEST_CASE("inet_listen on port 0 binds a free port that clients can reach", "[socket]") {
  for (std::string endpoint : {"127.0.0.1:0", "[::1]:0"}) {
    auto listener = util::inet_listen(endpoint, 10);
    if (!listener && endpoint[0] == '[') {
      WARN("no IPv6 loopback here: " << listener.error().message);
      continue;
    }
    REQUIRE(listener);
    auto port = util::local_port(listener->get());
    REQUIRE(port);
    REQUIRE(*port > 0);
    auto none = util::accept_nonblock(listener->get());
    REQUIRE(none);
    REQUIRE_FALSE(none->has_value());
    std::string host = endpoint[0] == '[' ? "::1" : "127.0.0.1";
    auto client = util::inet_connect(host, std::to_string(*port), 2s);
    REQUIRE(client);
    auto server = util::accept_with_timeout(listener->get(), 2s);
    REQUIRE(server);
    auto peer = util::peer_address(server->get());
    REQUIRE(peer);
    REQUIRE(peer->address == host);
    auto local = util::local_address(client->get());
    REQUIRE(local->port == peer->port);
    // The accepted socket is blocking, so a Stream deadline governs it.
    REQUIRE((::fcntl(server->get(), F_GETFL) & O_NONBLOCK) == 0);
  }
}

TEST_CASE("binding a port that is taken reports it in Postfix's form", "[socket]") {
  auto first = util::inet_listen("127.0.0.1:0", 10);
  REQUIRE(first);
  std::string port = std::to_string(*util::local_port(first->get()));
  auto second = util::inet_listen("127.0.0.1:" + port, 10);
  REQUIRE_FALSE(second);
  REQUIRE(second.error().message == "bind 127.0.0.1 port " + port + ": Address already in use");
}

TEST_CASE("a TCP connect to a listener with a full backlog times out", "[socket]") {
  auto listener = util::inet_listen("127.0.0.1:0", 0);
  REQUIRE(listener);
  std::string port = std::to_string(*util::local_port(listener->get()));
  std::vector<util::Fd> queued;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto c = util::inet_connect("127.0.0.1", port, 300ms);
    if (c) {
      queued.push_back(std::move(*c));
      continue;
    }
    REQUIRE(c.error().kind == util::ErrorKind::kTimeout);
    REQUIRE(std::chrono::steady_clock::now() - start < 2s);
    timed_out = true;
  }
  REQUIRE(timed_out);
}

TEST_CASE("an open file passes to another process over a UNIX socket", "[socket]") {
  test::TempDir dir;
  auto pair = util::socket_pair();
  REQUIRE(pair);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: receive a descriptor and write through it.
    pair->first.reset();
    auto fd = util::recv_fd(pair->second.get(), 5s);
    if (!fd) _exit(2);
    const char text[] = "written by the child\n";
    _exit(::write(fd->get(), text, sizeof text - 1) == sizeof text - 1 ? 0 : 3);
  }
  pair->second.reset();
  std::string file = dir.write("passed", "");
  util::Fd f(::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  REQUIRE(f);
  REQUIRE(util::send_fd(pair->first.get(), f.get()));
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(dir.read("passed") == "written by the child\n");
}

TEST_CASE("recv_fd times out when nothing is sent and reports eof on close", "[socket]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  auto r = util::recv_fd(pair->second.get(), 100ms);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().kind == util::ErrorKind::kTimeout);
  pair->first.reset();
  auto e = util::recv_fd(pair->second.get(), 1s);
  REQUIRE_FALSE(e);
  REQUIRE(e.error().kind == util::ErrorKind::kEof);
}

TEST_CASE("a UNIX trigger sends its bytes and then a NUL", "[socket]") {
  test::TempDir dir;
  std::string path = dir.file("pickup");
  auto listener = util::unix_listen(path, 5);
  REQUIRE(listener);
  REQUIRE(util::unix_trigger(path, "W", 1s));
  auto server = util::accept_with_timeout(listener->get(), 1s);
  REQUIRE(server);
  util::Stream s(std::move(*server), 1s);
  auto all = s.read_exact(2);
  REQUIRE(all);
  REQUIRE(*all == std::string("W\0", 2));
  auto rest = s.read_some(10);
  REQUIRE_FALSE(rest);
  REQUIRE(rest.error().kind == util::ErrorKind::kEof);
}

TEST_CASE("a FIFO trigger reaches a fifo listener and fails cleanly without one", "[socket]") {
  test::TempDir dir;
  std::string path = dir.file("qmgr");
  REQUIRE(::mkfifo(path.c_str(), 0622) == 0);
  auto nobody = util::fifo_trigger(path, "A");
  REQUIRE_FALSE(nobody);
  REQUIRE(nobody.error().sys_errno == ENXIO);
  auto fifo = util::fifo_listen(path, 0622);
  REQUIRE(fifo);
  REQUIRE(util::fifo_trigger(path, "A"));
  REQUIRE(util::fifo_trigger(path, "W"));
  char buf[8];
  REQUIRE(::read(fifo->get(), buf, sizeof buf) == 2);
  REQUIRE(std::string(buf, 2) == "AW");
}
