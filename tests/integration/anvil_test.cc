// The anvil daemon under a real master, as Debian's master.cf runs it
// (`anvil unix - - y - 1 anvil`: chrooted, one process), spoken to by
// several clients at once as several smtpd processes would.
#include <catch.hpp>
#include <chrono>
#include <string>

#include "libmail/anvil_client.h"
#include "tests/integration/anvil_fixture.h"

using namespace std::chrono_literals;
using anvil_test::AnvilSetup;

TEST_CASE(
    "anvil counts connections from several clients and forgets those of a client that "
    "goes away",
    "[anvil][master]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup;
  auto a = setup.client();
  auto b = setup.client();
  CHECK(a.connect("smtp", "127.0.0.2").value().count == 1);
  auto second = b.connect("smtp", "127.0.0.2");
  REQUIRE(second);
  CHECK(second->count == 2);
  CHECK(second->rate == 2);
  CHECK(b.connect("smtp", "127.0.0.3").value().count == 1);
  CHECK(a.message("smtp", "127.0.0.2").value() == 1);
  CHECK(b.message("smtp", "127.0.0.2").value() == 2);
  CHECK(b.recipient("smtp", "127.0.0.2").value() == 1);

  // Client b (an smtpd that exits or crashes) closes its connection.
  b = mail::AnvilClient("unused", 1s);
  auto view = setup.client();
  REQUIRE(master_test::eventually([&] { return view.lookup("smtp", "127.0.0.2")->count == 1; }));
  auto l = view.lookup("smtp", "127.0.0.2").value();
  CHECK(l.rate == 2);
  CHECK(l.message_rate == 2);
  CHECK(l.recipient_rate == 1);
  CHECK(view.lookup("smtp", "127.0.0.3").value().count == 0);
  REQUIRE(a.disconnect("smtp", "127.0.0.2"));
  CHECK(view.lookup("smtp", "127.0.0.2").value().count == 0);
}

TEST_CASE("anvil logs its statistics lines when it exits at reload", "[anvil][master]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup;
  {
    auto a = setup.client();
    auto b = setup.client();
    REQUIRE(a.connect("smtp", "127.0.0.2"));
    REQUIRE(b.connect("smtp", "127.0.0.2"));
    REQUIRE(a.connect("smtp", "127.0.0.3"));
    REQUIRE(a.message("smtp", "127.0.0.2"));
    REQUIRE(a.auth("smtp", "127.0.0.2"));
  }
  REQUIRE(setup.inst().postfix("reload").exit_status == 0);
  auto& inst = setup.inst();
  CHECK(inst.log_has("/anvil["));
  CHECK(inst.log_has("]: statistics: max connection rate 2/60s for (smtp:127.0.0.2) at "));
  CHECK(inst.log_has("]: statistics: max connection count 2 for (smtp:127.0.0.2) at "));
  CHECK(inst.log_has("]: statistics: max message rate 1/60s for (smtp:127.0.0.2) at "));
  CHECK(inst.log_has("]: statistics: max auth rate 1/60s for (smtp:127.0.0.2) at "));
  CHECK(inst.log_has("]: statistics: max cache size 2 at "));
  CHECK(inst.log().find("max recipient rate") == std::string::npos);
}

TEST_CASE("anvil logs its statistics every anvil_status_update_time while it runs",
          "[anvil][master][slow]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup("anvil_status_update_time = 1s\n");
  auto a = setup.client();
  REQUIRE(a.connect("smtp", "127.0.0.5"));
  // The connection stays open: these come from the timer, not from an exit.
  CHECK(setup.inst().log_has("]: statistics: max connection count 1 for (smtp:127.0.0.5) at "));
  CHECK(setup.inst().log_has("]: statistics: max cache size 1 at "));
  // Reported extremes start afresh: a second report needs new events.
  REQUIRE(a.connect("smtp", "127.0.0.5"));
  CHECK(setup.inst().log_has("]: statistics: max connection count 2 for (smtp:127.0.0.5) at "));
}
