// Shared set-up for the restriction engine's unit tests: a Config with a
// known host name, destinations and mynetworks, a Session filled by hand as
// the protocol engine would, and a log capture to compare Postfix's lines.
#pragma once

#include <catch.hpp>
#include <memory>
#include <string>

#include "libconf/config.h"
#include "smtpd/restrictions.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace rtest {

struct Fixture {
  test::TempDir dir;
  conf::Config config;
  smtpd::Session session;
  test::LogCapture log;

  Fixture() {
    config.set_override("compatibility_level", "3.6");
    config.set_override("myhostname", "mx.example.test");
    config.set_override("mydomain", "example.test");
    config.set_override("myorigin", "example.test");
    config.set_override("mydestination", "mx.example.test, localhost, example.test");
    config.set_override("mynetworks", "127.0.0.0/8");
    config.set_override("inet_interfaces", "loopback-only");
    config.set_override("relay_domains", "");
    config.set_override("alias_maps", "");
    config.set_override("local_recipient_maps", "inline:{alice=1, bob=1}");
    session.client.name = "unknown";
    session.client.reverse_name = "unknown";
    session.client.addr = "10.1.2.3";
    session.client.port = "41234";
    session.client.server_addr = "127.0.0.1";
    session.client.server_port = "25";
    session.helo_name = "client.example.org";
    session.esmtp = true;
    session.sender = "sender@example.org";
  }

  std::unique_ptr<smtpd::Restrictions> engine() {
    auto r = smtpd::Restrictions::create(config);
    if (!r) FAIL("create: " << r.error().message);
    auto e = std::move(*r);
    e->on_connect(session);
    e->on_helo(session);
    return e;
  }

  std::optional<smtpd::SmtpReply> rcpt(smtpd::Restrictions& r, const std::string& to) {
    session.last_command = "RCPT";
    session.recipient = to;
    return r.on_rcpt(session);
  }

  std::string reply_line(const std::optional<smtpd::SmtpReply>& r) {
    return r ? r->line() : std::string("(none)");
  }
};

}  // namespace rtest
