// The proxymap daemon under a real master, as Debian's master.cf runs it:
// `proxymap` serves the tables of proxy_read_maps, `proxywrite` (one
// process) changes those of proxy_write_maps. Tables are built with our
// postmap and read back with it; the daemons run as mail_owner.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>

#include "libmail/proxymap_client.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

const char* const kServices =
    "proxymap  unix  -       -       n       -       -       proxymap\n"
    "proxywrite unix -       -       n       -       1       proxymap\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

void give_to_mail_owner(const std::string& path) {
  if (passwd* pw = ::getpwnam("postfix")) (void)!::chown(path.c_str(), pw->pw_uid, pw->pw_gid);
}

// Tables in a directory the unprivileged daemon can reach, plus an
// instance whose main.cf approves some of them.
class ProxymapSetup {
 public:
  ProxymapSetup()
      : inst_(kServices, "proxy_read_maps = proxy:hash:" + maps_.file("users") +
                             ", proxy:hash:" + maps_.file("locked") + " $alias_maps\n" +
                             "proxy_write_maps = proxy:hash:" + maps_.file("cache") + "\n") {
    ::chmod(maps_.path().c_str(), 0755);
    build("users", "alice alice@example.test\nBob bob@example.test\n");
    build("unlisted", "alice secret\n");
    build("locked", "alice locked\n");
    ::chmod(maps_.file("locked.db").c_str(), 0600);  // root's; mail_owner cannot read it
    build("cache", "old value\n");
    give_to_mail_owner(maps_.file("cache.db"));
  }

  void build(const std::string& name, const std::string& text) {
    maps_.write(name, text);
    auto r = test::run({test::command("postmap"), "-c", inst_.path(), "hash:" + maps_.file(name)});
    REQUIRE(r.exit_status == 0);
  }

  std::string table(const std::string& name) const { return "hash:" + maps_.file(name); }

  // Start master and wait for the endpoint of `service`.
  std::string endpoint(const std::string& service) {
    if (!started_) {
      REQUIRE(inst_.start().exit_status == 0);
      started_ = true;
    }
    std::string path = inst_.dir().file("queue/private/" + service);
    REQUIRE(master_test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }));
    return path;
  }

  mail::ProxymapClient client(const std::string& service) {
    auto c = mail::ProxymapClient::connect(endpoint(service), 10s);
    REQUIRE(c);
    return std::move(*c);
  }

  std::string postmap_query(const std::string& key, const std::string& name) {
    auto r = test::run({test::command("postmap"), "-c", inst_.path(), "-q", key, table(name)});
    return std::to_string(r.exit_status) + ":" + r.out;
  }

  master_test::Instance& inst() { return inst_; }

 private:
  test::TempDir maps_;
  master_test::Instance inst_;
  bool started_ = false;
};

}  // namespace

TEST_CASE("proxymap answers lookups in a table listed in proxy_read_maps", "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  auto client = setup.client("proxymap");

  mail::ProxyReply found = client.lookup(setup.table("users"), "alice");
  CHECK(found.error == "");
  CHECK(found.status == mail::ProxyStatus::kOk);
  CHECK(found.value == "alice@example.test");

  // Keys fold to lower case, as in-process lookups do.
  mail::ProxyReply folded = client.lookup(setup.table("users"), "BOB");
  CHECK(folded.status == mail::ProxyStatus::kOk);
  CHECK(folded.value == "bob@example.test");

  CHECK(client.lookup(setup.table("users"), "carol").status == mail::ProxyStatus::kNotFound);
  CHECK(client.open(setup.table("users")).status == mail::ProxyStatus::kOk);
}

TEST_CASE("proxymap reads a table again after postmap rebuilt it", "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  auto client = setup.client("proxymap");
  CHECK(client.lookup(setup.table("users"), "alice").value == "alice@example.test");
  setup.build("users", "alice alice@new.example\ncarol carol@example.test\n");
  CHECK(client.lookup(setup.table("users"), "alice").value == "alice@new.example");
  CHECK(client.lookup(setup.table("users"), "carol").status == mail::ProxyStatus::kOk);
  CHECK(client.lookup(setup.table("users"), "bob").status == mail::ProxyStatus::kNotFound);
}

TEST_CASE("proxymap refuses a table not listed in proxy_read_maps and says where to list it",
          "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  auto client = setup.client("proxymap");
  const std::string table = setup.table("unlisted");
  mail::ProxyReply reply = client.lookup(table, "alice");
  CHECK(reply.status == mail::ProxyStatus::kBad);
  CHECK(reply.value == "");
  CHECK(setup.inst().log_has("warning: request for unapproved table: \"" + table + "\""));
  CHECK(setup.inst().log_has("warning: to approve this table for read-only access, list proxy:" +
                             table + " in main.cf:proxy_read_maps"));
  // The connection stays usable.
  CHECK(client.lookup(setup.table("users"), "alice").status == mail::ProxyStatus::kOk);
}

TEST_CASE("proxymap answers a temporary error when an approved table cannot be read",
          "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  auto client = setup.client("proxymap");
  CHECK(client.lookup(setup.table("locked"), "alice").status == mail::ProxyStatus::kRetry);
  CHECK(client.open(setup.table("locked")).status == mail::ProxyStatus::kRetry);
  CHECK(setup.inst().log_has("locked.db: Permission denied"));
}

TEST_CASE("proxymap refuses updates; proxywrite changes tables of proxy_write_maps",
          "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  const std::string cache = setup.table("cache");

  auto reader = setup.client("proxymap");
  CHECK(reader.update(setup.table("users"), "eve", "x").status == mail::ProxyStatus::kBad);
  CHECK(setup.inst().log_has("warning: refusing " + setup.table("users") +
                             " update request on non-proxywrite service"));

  auto writer = setup.client("proxywrite");
  CHECK(writer.lookup(cache, "old").value == "value");
  mail::ProxyReply updated = writer.update(cache, "new", "fresh");
  CHECK(updated.error == "");
  CHECK(updated.status == mail::ProxyStatus::kOk);
  CHECK(setup.postmap_query("new", "cache") == "0:fresh\n");
  CHECK(writer.lookup(cache, "new").value == "fresh");

  CHECK(writer.update(cache, "old", "replaced").status == mail::ProxyStatus::kOk);
  CHECK(setup.postmap_query("old", "cache") == "0:replaced\n");

  CHECK(writer.remove(cache, "new").status == mail::ProxyStatus::kOk);
  CHECK(writer.remove(cache, "new").status == mail::ProxyStatus::kNotFound);
  CHECK(setup.postmap_query("new", "cache") == "1:");

  // proxywrite serves proxy_write_maps only.
  const std::string users = setup.table("users");
  CHECK(writer.update(users, "eve", "x").status == mail::ProxyStatus::kBad);
  CHECK(setup.inst().log_has("warning: to approve this table for read-write access, list proxy:" +
                             users + " in main.cf:proxy_write_maps"));
  CHECK(setup.postmap_query("eve", "users") == "1:");
}

TEST_CASE("proxymap survives a client that sends garbage and serves the next one",
          "[proxymap][master]") {
  if (test::skip_unless_root("master runs proxymap as mail_owner")) return;
  ProxymapSetup setup;
  const std::string path = setup.endpoint("proxymap");
  {
    auto fd = util::unix_connect(path, 5s);
    REQUIRE(fd);
    util::Stream junk(std::move(*fd), 5s);
    REQUIRE(junk.write(std::string("\xff\xfe garbage\0Z\0\0\0", 14)));
    REQUIRE(junk.flush());
    // The daemon hangs up on it.
    auto line = junk.read_line(4096);
    CHECK_FALSE(line);
  }
  CHECK(setup.inst().log_has("warning: read request:"));
  auto client = setup.client("proxymap");
  mail::ProxyReply reply = client.lookup(setup.table("users"), "alice");
  CHECK(reply.status == mail::ProxyStatus::kOk);
  CHECK(reply.value == "alice@example.test");

  // A bad request is answered, and the connection stays open.
  CHECK(client.open("").status == mail::ProxyStatus::kBad);
}
