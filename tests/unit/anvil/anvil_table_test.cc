// anvil's counting (anvil/anvil_table.h) with a hand-driven clock.
#include "anvil/anvil_table.h"

#include <catch.hpp>
#include <string>

#include "libmail/mail_date.h"

using anvil::AnvilTable;
using Event = anvil::AnvilTable::Event;

namespace {
const std::string kIdent = "smtp:127.0.0.2";
}

TEST_CASE("anvil counts simultaneous connections and gives them back", "[anvil]") {
  AnvilTable t(60, 100);
  REQUIRE(t.connect(1, kIdent, 1000)->count == 1);
  REQUIRE(t.connect(2, kIdent, 1000)->count == 2);
  auto c = t.connect(2, kIdent, 1001);
  REQUIRE(c->count == 3);
  REQUIRE(c->rate == 3);
  t.disconnect(2, kIdent, 1002);
  CHECK(t.lookup(kIdent, 1002).count == 2);
  // A disconnect from a client that never connected this ident changes nothing.
  t.disconnect(7, kIdent, 1002);
  t.disconnect(1, "smtp:10.0.0.1", 1002);
  CHECK(t.lookup(kIdent, 1002).count == 2);
  t.disconnect(1, kIdent, 1003);
  t.disconnect(1, kIdent, 1003);  // only one was registered by client 1
  CHECK(t.lookup(kIdent, 1003).count == 1);
}

TEST_CASE("anvil drops every connection of a client that goes away", "[anvil]") {
  AnvilTable t(60, 100);
  t.connect(1, kIdent, 1000);
  t.connect(1, kIdent, 1000);
  t.connect(1, "smtp:127.0.0.3", 1000);
  t.connect(2, kIdent, 1000);
  t.client_gone(1, 1001);
  CHECK(t.lookup(kIdent, 1001).count == 1);
  CHECK(t.lookup("smtp:127.0.0.3", 1001).count == 0);
  // The connection rate is history, not undone.
  CHECK(t.lookup(kIdent, 1001).rate == 3);
}

TEST_CASE("anvil rates are per time unit from the first event, all reset together", "[anvil]") {
  AnvilTable t(60, 100);
  t.connect(1, kIdent, 1000);
  CHECK(*t.event(Event::kMessage, kIdent, 1010) == 1);
  CHECK(*t.event(Event::kMessage, kIdent, 1020) == 2);
  CHECK(*t.event(Event::kRecipient, kIdent, 1030) == 1);
  CHECK(*t.event(Event::kAuth, kIdent, 1059) == 1);
  CHECK(*t.event(Event::kNewTls, kIdent, 1060) == 1);
  CHECK(t.newtls_report(kIdent, 1060) == 1);
  auto c = t.lookup(kIdent, 1060);
  CHECK(c.rate == 1);
  CHECK(c.message == 2);
  // More than 60 seconds after the window opened: a new window.
  CHECK(*t.event(Event::kMessage, kIdent, 1061) == 1);
  c = t.lookup(kIdent, 1061);
  CHECK(c.rate == 0);
  CHECK(c.recipient == 0);
  CHECK(c.newtls == 0);
  CHECK(c.count == 1);  // the connection is still there
  CHECK(t.connect(1, kIdent, 1062)->rate == 1);
}

TEST_CASE("anvil forgets an ident a time unit after its last connection", "[anvil]") {
  AnvilTable t(60, 100);
  t.connect(1, kIdent, 1000);
  t.disconnect(1, kIdent, 1010);
  t.expire(1069);
  CHECK(t.size() == 1);
  CHECK(t.lookup(kIdent, 1069).count == 0);
  CHECK(t.size() == 1);
  t.expire(1070);
  CHECK(t.size() == 0);
  // A connection in between keeps it.
  t.connect(1, kIdent, 2000);
  t.disconnect(1, kIdent, 2001);
  t.connect(2, kIdent, 2050);
  t.expire(2100);
  CHECK(t.size() == 1);
  // An ident seen only through events also expires.
  t.event(Event::kMessage, "smtp:10.1.1.1", 3000);
  t.expire(3059);
  CHECK(t.lookup("smtp:10.1.1.1", 3059).message == 1);
  t.expire(3060);
  CHECK(t.lookup("smtp:10.1.1.1", 3060).message == 0);
}

TEST_CASE("anvil's table is bounded: idle idents make room, busy ones do not", "[anvil]") {
  AnvilTable t(60, 2);
  REQUIRE(t.connect(1, "smtp:a", 1000));
  REQUIRE(t.event(Event::kMessage, "smtp:b", 1000));  // idle (no connection)
  REQUIRE(t.connect(1, "smtp:c", 1001));              // evicts smtp:b
  CHECK(t.size() == 2);
  CHECK(t.lookup("smtp:b", 1001).message == 0);
  CHECK_FALSE(t.connect(1, "smtp:d", 1002));
  CHECK_FALSE(t.event(Event::kRecipient, "smtp:d", 1002));
  CHECK(t.size() == 2);
}

TEST_CASE("anvil statistics name the extremes in Postfix's words, then reset", "[anvil]") {
  AnvilTable t(60, 100);
  std::time_t at = 1765000000;
  t.connect(1, kIdent, at);
  t.connect(1, kIdent, at + 1);
  t.connect(1, "smtp:127.0.0.3", at + 2);
  t.event(Event::kMessage, kIdent, at + 3);
  t.event(Event::kAuth, kIdent, at + 3);
  t.event(Event::kNewTls, kIdent, at + 3);
  auto lines = t.statistics();
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "statistics: max connection rate 2/60s for (smtp:127.0.0.2) at " +
                        mail::stats_time(at + 1));
  CHECK(lines[1] ==
        "statistics: max connection count 2 for (smtp:127.0.0.2) at " + mail::stats_time(at + 1));
  CHECK(lines[2] ==
        "statistics: max message rate 1/60s for (smtp:127.0.0.2) at " + mail::stats_time(at + 3));
  CHECK(lines[3].starts_with("statistics: max newtls rate 1/60s for (smtp:127.0.0.2) at "));
  CHECK(lines[4].starts_with("statistics: max auth rate 1/60s for (smtp:127.0.0.2) at "));
  CHECK(lines[5] == "statistics: max cache size 2 at " + mail::stats_time(at + 2));
  CHECK(t.statistics().empty());
}

TEST_CASE("anvil statistics times look like Postfix's (Mon dd hh:mm:ss)", "[anvil]") {
  std::string s = mail::stats_time(1765000000);
  REQUIRE(s.size() == 15);
  CHECK(s[3] == ' ');
  CHECK(s[6] == ' ');
  CHECK(s[9] == ':');
  CHECK(s[12] == ':');
}
