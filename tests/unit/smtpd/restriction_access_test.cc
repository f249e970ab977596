// check_*_access with real tables (hash: built by our postmap, cidr:,
// regexp:, pcre:, texthash:, inline:) and every access action, with the
// replies and log lines Postfix 3.7 gives.
#include <catch.hpp>

#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/unit/smtpd/restriction_fixture.h"

using rtest::Fixture;

namespace {

std::string make_hash(Fixture& f, const std::string& name, const std::string& content) {
  std::string path = f.dir.write(name, content);
  f.dir.write("main.cf", "");
  auto res = test::run({test::command("postmap"), "-c", f.dir.path(), "hash:" + path});
  INFO(res.err);
  REQUIRE(res.exit_status == 0);
  return "hash:" + path;
}

}  // namespace

TEST_CASE("check_recipient_access REJECT text from a postmap-built hash table",
          "[smtpd][restrictions][access]") {
  Fixture f;
  std::string table = make_hash(f, "access",
                                "sub.example.net REJECT text\n"
                                "user@other.example 550 5.1.1 no such person\n"
                                "other.example DUNNO\n"
                                "ok.example OK\n");
  f.session.client.addr = "127.0.0.5";
  f.config.set_override("smtpd_recipient_restrictions", "check_recipient_access " + table);
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "full@sub.example.net")) ==
        "554 5.7.1 <full@sub.example.net>: Recipient address rejected: text");
  CHECK(
      f.log.contains("NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1 "
                     "<full@sub.example.net>: Recipient address rejected: text; "
                     "from=<sender@example.org> to=<full@sub.example.net> proto=ESMTP "
                     "helo=<client.example.org>"));
  // parent domains match by default (parent_domain_matches_subdomains)
  CHECK(f.reply_line(f.rcpt(*r, "x@deep.sub.example.net")) ==
        "554 5.7.1 <x@deep.sub.example.net>: Recipient address rejected: text");
  CHECK(f.reply_line(f.rcpt(*r, "USER@Other.Example")) ==
        "550 5.1.1 <USER@Other.Example>: Recipient address rejected: no such person");
  CHECK_FALSE(f.rcpt(*r, "else@other.example"));
}

TEST_CASE("access codes without an enhanced status get one from the code",
          "[smtpd][restrictions][access]") {
  Fixture f;
  f.session.client.addr = "127.0.0.5";
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_recipient_access inline:{{a@x.example=450 try later}, "
                        "b@x.example=DEFER, c@x.example=REJECT, {d@x.example=521 5.1.8 odd}}");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "a@x.example")) ==
        "450 4.7.1 <a@x.example>: Recipient address rejected: try later");
  CHECK(f.reply_line(f.rcpt(*r, "b@x.example")) ==
        "450 4.7.1 <b@x.example>: Recipient address rejected: Access denied");
  CHECK(f.reply_line(f.rcpt(*r, "c@x.example")) ==
        "554 5.7.1 <c@x.example>: Recipient address rejected: Access denied");
  // an address status that belongs to senders is turned into a recipient one
  CHECK(f.reply_line(f.rcpt(*r, "d@x.example")) ==
        "521 5.1.2 <d@x.example>: Recipient address rejected: odd");
}

TEST_CASE("check_client_access with cidr, check_helo_access with regexp, senders with pcre",
          "[smtpd][restrictions][access]") {
  Fixture f;
  std::string cidr = f.dir.write("clients.cidr", "10.1.0.0/16 REJECT go away\n");
  std::string re = f.dir.write("helo.re", "/^bad\\./ 550 5.7.1 bad helo\n");
  std::string pcre = f.dir.write("sender.pcre", "/^spam@/ REJECT\n");
  f.config.set_override("smtpd_client_restrictions", "check_client_access cidr:" + cidr);
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <unknown[10.1.2.3]>: Client host rejected: go away");

  Fixture g;
  g.config.set_override("smtpd_helo_restrictions", "check_helo_access regexp:" + re);
  g.config.set_override("smtpd_sender_restrictions", "check_sender_access pcre:" + pcre);
  auto r2 = g.engine();
  g.session.helo_name = "bad.example.org";
  CHECK(g.reply_line(g.rcpt(*r2, "alice@example.test")) ==
        "550 5.7.1 <bad.example.org>: Helo command rejected: bad helo");
  g.session.helo_name = "good.example.org";
  g.session.sender = "SPAM@example.org";
  CHECK(g.reply_line(g.rcpt(*r2, "alice@example.test")) ==
        "554 5.7.1 <SPAM@example.org>: Sender address rejected: Access denied");
}

TEST_CASE("the null sender is looked up as <> and client names before addresses",
          "[smtpd][restrictions][access]") {
  Fixture f;
  std::string th = f.dir.write("t", "<> REJECT no bounces here\n");
  f.config.set_override("smtpd_sender_restrictions", "check_sender_access texthash:" + th);
  f.config.set_override("smtpd_client_restrictions",
                        "check_client_access inline:{host.example.org=OK, 10.1=REJECT}");
  f.session.client.name = "host.example.org";
  f.session.sender = "";
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <>: Sender address rejected: no bounces here");
  f.session.sender = "x@example.org";
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  f.session.client.name = "unknown";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <unknown[10.1.2.3]>: Client host rejected: Access denied");
}

TEST_CASE("HOLD, DISCARD, PREPEND, REDIRECT, FILTER and WARN set the session and log",
          "[smtpd][restrictions][access]") {
  Fixture f;
  f.session.client.addr = "127.0.0.5";
  f.config.set_override(
      "smtpd_recipient_restrictions",
      "check_recipient_access inline:{h@x.example=HOLD, {p@x.example=PREPEND X-Tag: yes}, "
      "{r@x.example=REDIRECT other@y.example}, {f@x.example=FILTER smtp:[127.0.0.1]:10025}, "
      "{w@x.example=WARN look at this}, d@x.example=DISCARD}, permit_mynetworks, reject");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "h@x.example"));
  CHECK(f.session.hold);
  CHECK(
      f.log.contains("NOQUEUE: hold: RCPT from unknown[127.0.0.5]: <h@x.example>: Recipient "
                     "address triggers HOLD action; from=<sender@example.org> to=<h@x.example> "
                     "proto=ESMTP helo=<client.example.org>"));
  CHECK_FALSE(f.rcpt(*r, "p@x.example"));
  REQUIRE(f.session.prepend_headers.size() == 1);
  CHECK(f.session.prepend_headers[0] == "X-Tag: yes");
  CHECK_FALSE(f.rcpt(*r, "r@x.example"));
  CHECK(f.session.redirect == std::optional<std::string>("other@y.example"));
  CHECK(
      f.log.contains("NOQUEUE: redirect: RCPT from unknown[127.0.0.5]: <r@x.example>: "
                     "Recipient address triggers REDIRECT other@y.example;"));
  CHECK_FALSE(f.rcpt(*r, "f@x.example"));
  CHECK(f.session.filter == std::optional<std::string>("smtp:[127.0.0.1]:10025"));
  CHECK(
      f.log.contains("NOQUEUE: filter: RCPT from unknown[127.0.0.5]: <f@x.example>: "
                     "Recipient address triggers FILTER smtp:[127.0.0.1]:10025;"));
  CHECK_FALSE(f.rcpt(*r, "w@x.example"));
  CHECK(f.log.contains("NOQUEUE: warn: RCPT from unknown[127.0.0.5]: look at this;"));
  CHECK_FALSE(f.rcpt(*r, "d@x.example"));
  CHECK(f.session.discard);
  CHECK(
      f.log.contains("NOQUEUE: discard: RCPT from unknown[127.0.0.5]: <d@x.example>: "
                     "Recipient address triggers DISCARD action;"));
}

TEST_CASE("access tables that cannot be read give 451, and tables on the right are refused",
          "[smtpd][restrictions][access]") {
  Fixture f;
  f.session.client.addr = "127.0.0.5";
  f.config.set_override(
      "smtpd_recipient_restrictions",
      "check_recipient_access hash:" + f.dir.file("nothere") + ", permit_mynetworks, reject");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "a@x.example")) ==
        "451 4.3.5 <a@x.example>: Recipient address rejected: Server configuration error");
  CHECK(f.log.contains("warning: hash:" + f.dir.file("nothere") +
                       " lookup error for \"a@x.example\""));
  CHECK(
      f.log.contains("warning: hash:" + f.dir.file("nothere") + " is unavailable. open database"));

  Fixture g;
  g.session.client.addr = "127.0.0.5";
  g.config.set_override("smtpd_recipient_restrictions",
                        "check_recipient_access inline:{a@x.example=hash:/etc/x}, reject");
  auto r2 = g.engine();
  CHECK(g.reply_line(g.rcpt(*r2, "a@x.example")) == "451 4.3.5 Server configuration error");
  CHECK(g.log.contains("warning: do not specify lookup tables inside SMTPD access maps"));
}

TEST_CASE("an access check names what it looked up, whatever list it is in",
          "[smtpd][restrictions][access]") {
  Fixture f;
  f.session.client.addr = "127.0.0.5";
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_sender_access inline:{spammer@example.org=REJECT}, "
                        "check_client_access inline:{{127.0.0.5=DEFER slow down}}");
  auto r = f.engine();
  f.session.sender = "spammer@example.org";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <spammer@example.org>: Sender address rejected: Access denied");
  f.session.sender = "ok@example.org";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "450 4.7.1 <unknown[127.0.0.5]>: Client host rejected: slow down");
}
