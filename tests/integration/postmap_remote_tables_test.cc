// postmap -q on tcp:, socketmap: and memcache: tables served by loopback
// servers written here, and the same queries through Postfix's postmap (the
// oracle) where it is installed: same output, warnings and exit status.
#include <catch.hpp>

#include <map>
#include <mutex>

#include "tests/integration/table_fixture.h"
#include "tests/support/loopback_server.h"

namespace {

using table_test::TableDir;

// tcp_table(5): "get KEY" -> 200/500/400; keys "a b" and "k1".."k3" exist.
test::LoopbackServer::Handler tcp_server() {
  return [](test::Connection& c) {
    while (auto line = c.read_line()) {
      std::string reply = *line == "get a%20b"  ? "200 with%20space\n"
                          : *line == "get busy" ? "400 try later\n"
                          : line->rfind("get k", 0) == 0
                              ? "200 value-" + line->substr(4) + "\n"
                              : "500 not found\n";
      if (!c.write(reply)) return;
    }
  };
}

test::LoopbackServer::Handler socketmap_server() {
  return [](test::Connection& c) {
    while (auto req = c.read_netstring()) {
      std::string reply = *req == "m found"  ? "OK it is here"
                          : *req == "m temp" ? "TEMP busy"
                                             : "NOTFOUND ";
      if (!c.write(test::netstring(reply))) return;
    }
  };
}

test::LoopbackServer::Handler memcache_server() {
  return [](test::Connection& c) {
    while (auto line = c.read_line()) {
      std::string reply = *line == "get cached\r" ? "VALUE cached 0 5\r\nhello\r\nEND\r\n"
                                                  : "END\r\n";
      if (!c.write(reply)) return;
    }
  };
}

// Run our postmap and, where installed, Postfix's with the same arguments;
// return ours after checking they agree.
test::RunResult query_both(const TableDir& dir, const std::vector<std::string>& args,
                           const std::string& input = "") {
  test::RunResult ours = dir.ours("postmap", args, input);
  if (test::have_program("/usr/sbin/postmap")) {
    test::RunResult theirs = dir.theirs("postmap", args, input);
    std::string what;
    for (const auto& a : args) what += " " + a;
    INFO("postmap" << what);
    CHECK(ours.out == theirs.out);
    CHECK(ours.err == theirs.err);
    CHECK(ours.exit_status == theirs.exit_status);
  }
  return ours;
}

}  // namespace

TEST_CASE("postmap -q queries a tcp: table as Postfix does", "[tables][tcp][interop]") {
  test::LoopbackServer server(tcp_server());
  TableDir dir;
  std::string table = "tcp:" + server.host_port();
  auto found = query_both(dir, {"-q", "a b", table});
  CHECK(found.exit_status == 0);
  CHECK(found.out == "with space\n");
  CHECK(query_both(dir, {"-q", "missing", table}).exit_status == 1);
  auto bulk = query_both(dir, {"-q", "-", table}, "k1\nnope\nk3\n");
  CHECK(bulk.out == "k1\tvalue-k1\nk3\tvalue-k3\n");
  auto busy = query_both(dir, {"-q", "busy", table});
  CHECK(busy.exit_status == 1);
  CHECK(busy.err == "postmap: fatal: table " + table +
                        ": query error: Operation now in progress\n");
}

TEST_CASE("postmap -q queries a socketmap: table as Postfix does",
          "[tables][socketmap][interop]") {
  test::LoopbackServer server(socketmap_server());
  TableDir dir;
  std::string table = "socketmap:inet:" + server.host_port() + ":m";
  auto found = query_both(dir, {"-q", "found", table});
  CHECK(found.out == "it is here\n");
  CHECK(query_both(dir, {"-q", "other", table}).exit_status == 1);
  auto temp = query_both(dir, {"-q", "temp", table});
  CHECK(temp.exit_status == 1);
  CHECK(temp.err.find("socketmap server temporary error: busy") != std::string::npos);
}

TEST_CASE("postmap -q queries a memcache: table as Postfix does",
          "[tables][memcache][interop]") {
  test::LoopbackServer server(memcache_server());
  TableDir dir;
  std::string cf = dir.write("mc.cf", "memcache = inet:" + server.host_port() + "\n");
  auto found = query_both(dir, {"-q", "Cached", "memcache:" + cf});
  CHECK(found.exit_status == 0);
  CHECK(found.out == "hello\n");
  CHECK(query_both(dir, {"-q", "other", "memcache:" + cf}).exit_status == 1);
  auto list = query_both(dir, {"-s", "memcache:" + cf});
  CHECK(list.exit_status == 0);
  CHECK(list.err == "postmap: warning: database memcache:" + cf +
                        ": first/next support requires backup database\n");
}

TEST_CASE("postmap -v says which tables it opens, in Postfix's words", "[tables]") {
  TableDir dir;
  std::string source = dir.write("access", "a 1\n");
  auto build = dir.ours("postmap", {"-v", "hash:" + source});
  CHECK(build.exit_status == 0);
  CHECK(build.err.find("postmap: open hash " + source + "\n") != std::string::npos);
  auto query = dir.ours("postmap", {"-v", "-q", "a", "hash:" + source});
  CHECK(query.out == "1\n");
  CHECK(query.err.find("postmap: dict_open: hash:" + source + "\n") != std::string::npos);
}
