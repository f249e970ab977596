// smtpd's client limits (smtpd/anvil_limits.h) against a real anvil under
// master: two AnvilLimits objects stand for two smtpd processes, each with
// its own connection to anvil. Replies and warnings as Postfix 3.7.11 gave
// them with a client on 127.0.0.2 outside mynetworks. Built when smtpd's
// parts (smtpd_core) are.
#ifdef POSTERN_HAVE_SMTPD_CORE

#include "smtpd/anvil_limits.h"

#include <catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "libconf/config.h"
#include "tests/integration/anvil_fixture.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;
using anvil_test::AnvilSetup;

namespace {

smtpd::Session session(const std::string& addr) {
  smtpd::Session s;
  s.client.addr = addr;
  s.service_name = "smtp";
  return s;
}

conf::Config limits_config(const std::string& name, const std::string& value) {
  conf::Config c;
  c.set_override("myhostname", "mx.example.test");
  c.set_override("mynetworks", "127.0.0.1/32");
  c.set_override(name, value);
  return c;
}

}  // namespace

TEST_CASE("smtpd's connection count limit holds across processes, with Postfix's 421 and warning",
          "[anvil][smtpd_limits][master]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup;
  auto config = limits_config("smtpd_client_connection_count_limit", "1");
  auto first = smtpd::AnvilLimits::create(config, setup.path());
  auto second = smtpd::AnvilLimits::create(config, setup.path());
  auto s = session("127.0.0.2");
  CHECK_FALSE(first->on_connect(s));
  test::LogCapture log;
  auto refused = second->on_connect(s);
  REQUIRE(refused);
  CHECK(refused->line() == "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.2");
  CHECK(
      log.contains("warning: Connection concurrency limit exceeded: 2 from unknown[127.0.0.2] for "
                   "service smtp"));
  // The refused session ends; the first goes on and is the only one.
  second->on_disconnect(s);
  auto view = setup.client();
  CHECK(view.lookup("smtp", "127.0.0.2").value().count == 1);
  // Once the first ends, a new connection is welcome again.
  first->on_disconnect(s);
  CHECK_FALSE(second->on_connect(s));
  second->on_disconnect(s);
  CHECK(view.lookup("smtp", "127.0.0.2").value().count == 0);
  // A client in mynetworks (smtpd_client_event_limit_exceptions) is neither
  // limited nor counted.
  auto local = session("127.0.0.1");
  CHECK_FALSE(first->on_connect(local));
  CHECK_FALSE(second->on_connect(local));
  CHECK(view.lookup("smtp", "127.0.0.1").value().count == 0);
}

TEST_CASE("smtpd's rate limits refuse with Postfix's replies and warnings",
          "[anvil][smtpd_limits][master]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup;
  auto s = session("127.0.0.2");
  test::LogCapture log;

  SECTION("connection rate") {
    auto limits = smtpd::AnvilLimits::create(
        limits_config("smtpd_client_connection_rate_limit", "2"), setup.path());
    for (int i = 0; i < 2; ++i) {
      CHECK_FALSE(limits->on_connect(s));
      limits->on_disconnect(s);
    }
    auto r = limits->on_connect(s);
    REQUIRE(r);
    CHECK(r->line() == "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.2");
    CHECK(log.contains(
        "warning: Connection rate limit exceeded: 3 from unknown[127.0.0.2] for service smtp"));
    limits->on_disconnect(s);
  }
  SECTION("messages") {
    auto limits = smtpd::AnvilLimits::create(limits_config("smtpd_client_message_rate_limit", "2"),
                                             setup.path());
    REQUIRE_FALSE(limits->on_connect(s));
    CHECK_FALSE(limits->on_mail(s));
    CHECK_FALSE(limits->on_mail(s));
    auto r = limits->on_mail(s);
    REQUIRE(r);
    CHECK(r->line() == "450 4.7.1 Error: too much mail from 127.0.0.2");
    CHECK(
        log.contains("warning: Message delivery request rate limit exceeded: 3 from "
                     "unknown[127.0.0.2] for service smtp"));
    // Not limited: recipients (no limit set) and the exempt client.
    CHECK_FALSE(limits->on_rcpt(s));
    auto local = session("127.0.0.1");
    for (int i = 0; i < 5; ++i) CHECK_FALSE(limits->on_mail(local));
    limits->on_disconnect(s);
  }
  SECTION("recipients") {
    auto limits = smtpd::AnvilLimits::create(
        limits_config("smtpd_client_recipient_rate_limit", "2"), setup.path());
    REQUIRE_FALSE(limits->on_connect(s));
    CHECK_FALSE(limits->on_rcpt(s));
    CHECK_FALSE(limits->on_rcpt(s));
    auto r = limits->on_rcpt(s);
    REQUIRE(r);
    CHECK(r->line() == "450 4.7.1 Error: too many recipients from 127.0.0.2");
    CHECK(
        log.contains("warning: Recipient address rate limit exceeded: 3 from "
                     "unknown[127.0.0.2] for service smtp"));
  }
  SECTION("AUTH commands") {
    auto limits = smtpd::AnvilLimits::create(limits_config("smtpd_client_auth_rate_limit", "1"),
                                             setup.path());
    REQUIRE_FALSE(limits->on_connect(s));
    CHECK_FALSE(limits->on_auth(s));
    auto r = limits->on_auth(s);
    REQUIRE(r);
    CHECK(r->line() == "450 4.7.1 Error: too many AUTH commands from 127.0.0.2");
    CHECK(log.contains(
        "warning: AUTH command rate limit exceeded: 2 from unknown[127.0.0.2] for service smtp"));
  }
  SECTION("new TLS sessions") {
    auto limits = smtpd::AnvilLimits::create(
        limits_config("smtpd_client_new_tls_session_rate_limit", "1"), setup.path());
    REQUIRE_FALSE(limits->on_connect(s));
    // First session: allowed, and counted after the handshake.
    CHECK_FALSE(limits->on_starttls(s));
    CHECK_FALSE(limits->on_tls_handshake(s));
    // Second: STARTTLS is allowed (1 is not over 1), the new session is not.
    CHECK_FALSE(limits->on_starttls(s));
    auto r = limits->on_tls_handshake(s);
    REQUIRE(r);
    CHECK(r->line() ==
          "421 4.7.0 mx.example.test Error: too many new TLS sessions from unknown[127.0.0.2]");
    CHECK(
        log.contains("warning: New TLS session rate limit exceeded: 2 from unknown[127.0.0.2] "
                     "for service smtp"));
    // Third: refused at STARTTLS already; the session goes on.
    auto refused = limits->on_starttls(s);
    REQUIRE(refused);
    CHECK(refused->line() == "454 4.7.0 Error: too many new TLS sessions from unknown[127.0.0.2]");
    CHECK(log.contains(
        "warning: Refusing STARTTLS request from unknown[127.0.0.2] for service smtp"));
  }
  SECTION("new TLS sessions, with an engine that never reports the handshake") {
    auto limits = smtpd::AnvilLimits::create(
        limits_config("smtpd_client_new_tls_session_rate_limit", "1"), setup.path());
    auto view = setup.client();
    REQUIRE_FALSE(limits->on_connect(s));
    CHECK_FALSE(limits->on_starttls(s));
    CHECK_FALSE(limits->on_mail(s));  // the session is counted here
    CHECK(view.lookup("smtp", "127.0.0.2").value().newtls_rate == 1);
    limits->on_disconnect(s);
    REQUIRE_FALSE(limits->on_connect(s));
    CHECK_FALSE(limits->on_starttls(s));
    limits->on_disconnect(s);  // or here
    CHECK(view.lookup("smtp", "127.0.0.2").value().newtls_rate == 2);
    REQUIRE_FALSE(limits->on_connect(s));
    auto refused = limits->on_starttls(s);
    REQUIRE(refused);
    CHECK(refused->code == 454);
    limits->on_disconnect(s);
    CHECK(view.lookup("smtp", "127.0.0.2").value().newtls_rate == 2);
  }
}

TEST_CASE("smtpd's rates start afresh after anvil_rate_time_unit",
          "[anvil][smtpd_limits][master][slow]") {
  if (test::skip_unless_root("master chroots anvil")) return;
  AnvilSetup setup("anvil_rate_time_unit = 1s\n");
  auto limits = smtpd::AnvilLimits::create(limits_config("smtpd_client_message_rate_limit", "1"),
                                           setup.path());
  auto s = session("127.0.0.2");
  REQUIRE_FALSE(limits->on_connect(s));
  CHECK_FALSE(limits->on_mail(s));
  CHECK(limits->on_mail(s));
  // The window closes once more than a whole time unit has passed.
  std::this_thread::sleep_for(2100ms);
  CHECK_FALSE(limits->on_mail(s));
}

TEST_CASE("smtpd without anvil logs a warning and does not limit", "[anvil][smtpd_limits]") {
  test::TempDir dir;
  auto limits = smtpd::AnvilLimits::create(
      limits_config("smtpd_client_connection_count_limit", "1"), dir.file("no-anvil"));
  auto s = session("127.0.0.2");
  test::LogCapture log;
  CHECK_FALSE(limits->on_connect(s));
  CHECK_FALSE(limits->on_connect(s));
  CHECK(log.contains("warning: connect to " + dir.file("no-anvil") + ": "));
  limits->on_disconnect(s);
}

TEST_CASE("smtpd with every limit at 0 does not talk to anvil", "[anvil][smtpd_limits]") {
  test::TempDir dir;
  auto limits = smtpd::AnvilLimits::create(
      limits_config("smtpd_client_connection_count_limit", "0"), dir.file("no-anvil"));
  auto s = session("127.0.0.2");
  test::LogCapture log;
  CHECK_FALSE(limits->on_connect(s));
  CHECK_FALSE(limits->on_mail(s));
  limits->on_disconnect(s);
  CHECK(log.lines().empty());
}

#endif  // POSTERN_HAVE_SMTPD_CORE
