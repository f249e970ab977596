// The restriction engine on hand-filled sessions: relay control, local
// recipients, the generic restrictions, warn_if_reject/defer_if_*, classes,
// smtpd_delay_reject and the log lines, with Postfix 3.7's texts (observed
// on Debian's Postfix 3.7.11, compat/smtp-replies.md and logging.md).
#include <catch.hpp>

#include "tests/unit/smtpd/restriction_fixture.h"

using rtest::Fixture;

TEST_CASE("default relay restrictions defer relaying for a client outside mynetworks",
          "[smtpd][restrictions]") {
  Fixture f;
  auto r = f.engine();
  auto reply = f.rcpt(*r, "someone@elsewhere.example");
  REQUIRE(reply);
  CHECK(reply->line() == "454 4.7.1 <someone@elsewhere.example>: Relay access denied");
  CHECK(f.log.contains(
      "NOQUEUE: reject: RCPT from unknown[10.1.2.3]: 454 4.7.1 <someone@elsewhere.example>: "
      "Relay access denied; from=<sender@example.org> to=<someone@elsewhere.example> "
      "proto=ESMTP helo=<client.example.org>"));
}

TEST_CASE("mynetworks clients may relay, and local mail is accepted from anyone",
          "[smtpd][restrictions]") {
  Fixture f;
  f.session.client.addr = "127.0.0.2";
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "someone@elsewhere.example"));
  Fixture g;
  auto r2 = g.engine();
  CHECK_FALSE(g.rcpt(*r2, "alice@example.test"));
  CHECK_FALSE(g.rcpt(*r2, "Alice@MX.Example.Test"));
}

TEST_CASE("reject_unauth_destination gives 554 5.7.1", "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_relay_restrictions", "permit_mynetworks reject_unauth_destination");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "x@elsewhere.example")) ==
        "554 5.7.1 <x@elsewhere.example>: Relay access denied");
}

TEST_CASE("relay_domains are authorized destinations, relay_recipient_maps list their users",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("relay_domains", "relay.example");
  f.config.set_override("relay_recipient_maps", "inline:{known@relay.example=1}");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "known@relay.example"));
  CHECK(f.reply_line(f.rcpt(*r, "other@relay.example")) ==
        "550 5.1.1 <other@relay.example>: Recipient address rejected: User unknown in relay "
        "recipient table");
}

TEST_CASE("unknown local users get 550 5.1.1 from local_recipient_maps", "[smtpd][restrictions]") {
  Fixture f;
  auto r = f.engine();
  auto reply = f.rcpt(*r, "nosuchuser@example.test");
  CHECK(f.reply_line(reply) ==
        "550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in local "
        "recipient table");
  CHECK(f.log.contains(
      "NOQUEUE: reject: RCPT from unknown[10.1.2.3]: 550 5.1.1 <nosuchuser@example.test>: "
      "Recipient address rejected: User unknown in local recipient table; "
      "from=<sender@example.org> to=<nosuchuser@example.test> proto=ESMTP "
      "helo=<client.example.org>"));
  // postmaster (bare or in a local domain) and double-bounce are never refused.
  CHECK_FALSE(f.rcpt(*r, "postmaster"));
  CHECK_FALSE(f.rcpt(*r, "postmaster@example.test"));
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));

  f.config.set_override("show_user_unknown_table_name", "no");
  f.config.set_override("unknown_local_recipient_reject_code", "450");
  auto r2 = f.engine();
  CHECK(f.reply_line(f.rcpt(*r2, "nosuchuser@example.test")) ==
        "450 4.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown");

  f.config.set_override("smtpd_reject_unlisted_recipient", "no");
  auto r3 = f.engine();
  CHECK_FALSE(f.rcpt(*r3, "nosuchuser@example.test"));
}

TEST_CASE("VRFY runs the recipient checks and logs a VRFY line without from=",
          "[smtpd][restrictions]") {
  Fixture f;
  f.session.sender.reset();
  auto r = f.engine();
  f.session.recipient = "nosuchuser";
  f.session.last_command = "VRFY";
  auto reply = r->on_vrfy(f.session);
  CHECK(f.reply_line(reply) ==
        "550 5.1.1 <nosuchuser>: Recipient address rejected: User unknown in local recipient "
        "table");
  CHECK(
      f.log.contains("NOQUEUE: reject: VRFY from unknown[10.1.2.3]: 550 5.1.1 <nosuchuser>: "
                     "Recipient address rejected: User unknown in local recipient table; "
                     "to=<nosuchuser> proto=ESMTP helo=<client.example.org>"));
}

TEST_CASE("a queue id replaces NOQUEUE in the reject line", "[smtpd][restrictions]") {
  Fixture f;
  f.session.queue_id = "4FZ1x2Hc3Kz9abc";
  auto r = f.engine();
  f.rcpt(*r, "nosuchuser@example.test");
  CHECK(f.log.contains("4FZ1x2Hc3Kz9abc: reject: RCPT from unknown[10.1.2.3]: 550 5.1.1"));
}

TEST_CASE("generic restrictions: reject, defer, permit and the order of lists",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_client_restrictions", "reject");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <unknown[10.1.2.3]>: Client host rejected: Access denied");

  f.config.set_override("smtpd_client_restrictions", "permit");
  f.config.set_override("smtpd_helo_restrictions", "defer");
  auto r2 = f.engine();
  // permit ends only the client list; the helo list still runs.
  CHECK(f.reply_line(f.rcpt(*r2, "alice@example.test")) ==
        "450 4.3.2 <client.example.org>: Helo command rejected: Try again later");

  f.config.set_override("smtpd_helo_restrictions", "");
  f.config.set_override("smtpd_sender_restrictions", "reject");
  auto r3 = f.engine();
  CHECK(f.reply_line(f.rcpt(*r3, "alice@example.test")) ==
        "554 5.7.1 <sender@example.org>: Sender address rejected: Access denied");
}

TEST_CASE("smtpd_delay_reject=no evaluates client, helo and sender lists at their commands",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_delay_reject", "no");
  f.config.set_override("smtpd_client_restrictions", "reject");
  auto e = smtpd::Restrictions::create(f.config);
  REQUIRE(e);
  auto reply = (*e)->on_connect(f.session);
  CHECK(f.reply_line(reply) ==
        "554 5.7.1 <unknown[10.1.2.3]>: Client host rejected: Access denied");
  CHECK(f.log.contains("NOQUEUE: reject: CONNECT from unknown[10.1.2.3]: 554 5.7.1"));

  Fixture g;
  g.config.set_override("smtpd_client_restrictions", "reject");
  auto e2 = smtpd::Restrictions::create(g.config);
  REQUIRE(e2);
  CHECK_FALSE((*e2)->on_connect(g.session));
  CHECK_FALSE((*e2)->on_helo(g.session));
  CHECK_FALSE((*e2)->on_mail(g.session));
}

TEST_CASE("warn_if_reject logs reject_warning and lets the request through",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_recipient_restrictions",
                        "warn_if_reject reject_non_fqdn_recipient, permit_mynetworks, "
                        "reject_unauth_destination");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  auto reply = f.rcpt(*r, "alice");
  CHECK_FALSE(reply);
  CHECK(
      f.log.contains("NOQUEUE: reject_warning: RCPT from unknown[10.1.2.3]: 504 5.5.2 <alice>: "
                     "Recipient address rejected: need fully-qualified address;"));
}

TEST_CASE("defer_if_permit turns a later permit into 450, defer_if_reject a later reject",
          "[smtpd][restrictions]") {
  Fixture f;
  f.session.client.addr = "127.0.0.1";
  f.config.set_override("smtpd_client_restrictions", "defer_if_permit");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "x@elsewhere.example")) ==
        "450 4.7.0 <unknown[127.0.0.1]>: Client host rejected: defer_if_permit requested");

  Fixture g;
  g.config.set_override("smtpd_recipient_restrictions", "defer_if_reject, reject");
  auto r2 = g.engine();
  CHECK(g.reply_line(g.rcpt(*r2, "alice@example.test")) ==
        "450 4.7.0 <alice@example.test>: Recipient address rejected: defer_if_reject requested");
}

TEST_CASE("restriction classes are lists named in smtpd_restriction_classes",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_restriction_classes", "strict");
  f.config.set_override("strict", "reject_non_fqdn_sender, reject");
  f.config.set_override("smtpd_recipient_restrictions",
                        "check_recipient_access inline:{alice@example.test=strict}");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied");
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));
}

TEST_CASE("HELO checks: fully-qualified, valid syntax, address literals", "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_helo_restrictions",
                        "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname");
  auto r = f.engine();
  f.session.helo_name = "localhost";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname");
  f.session.helo_name = "bad_host!.example";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "501 5.5.2 <bad_host!.example>: Helo command rejected: Invalid name");
  f.session.helo_name = "[300.1.1.1]";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "501 5.5.2 <[300.1.1.1]>: Helo command rejected: invalid ip address");
  f.session.helo_name = "[192.0.2.1]";
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  f.session.helo_name = "host.example.org.";
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
}

TEST_CASE("non-FQDN sender and recipient addresses", "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_sender_restrictions", "reject_non_fqdn_sender");
  f.config.set_override("smtpd_recipient_restrictions", "reject_non_fqdn_recipient");
  auto r = f.engine();
  f.session.sender = "joe@localhost";
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "504 5.5.2 <joe@localhost>: Sender address rejected: need fully-qualified address");
  f.session.sender = "";
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK(f.reply_line(f.rcpt(*r, "alice")) ==
        "504 5.5.2 <alice>: Recipient address rejected: need fully-qualified address");
}

TEST_CASE("unknown sender and recipient domains: a definite DNS no rejects",
          "[smtpd][restrictions][dns]") {
  Fixture f;
  f.session.client.addr = "127.0.0.1";
  f.config.set_override("smtpd_sender_restrictions", "reject_unknown_sender_domain");
  f.config.set_override("smtpd_recipient_restrictions", "reject_unknown_recipient_domain");
  auto r = f.engine();
  f.session.sender = "joe@no-such-domain.invalid";
  auto reply = f.rcpt(*r, "alice@example.test");
  REQUIRE(reply);
  // NXDOMAIN gives unknown_address_reject_code; a resolver failure defers.
  CHECK((reply->line() == "450 4.1.8 <joe@no-such-domain.invalid>: Sender address rejected: "
                          "Domain not found"));
  f.session.sender = "joe@example.test";  // ours: never looked up
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK(f.reply_line(f.rcpt(*r, "x@nowhere.invalid")) ==
        "450 4.1.2 <x@nowhere.invalid>: Recipient address rejected: Domain not found");
}

TEST_CASE("reject_unauth_pipelining uses what the protocol engine noticed",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_data_restrictions", "reject_unauth_pipelining");
  auto r = f.engine();
  f.session.recipients = {"alice@example.test"};
  f.session.recipient = "alice@example.test";
  f.session.last_command = "DATA";
  r->note_pipelining(f.session, false);
  CHECK_FALSE(r->on_data(f.session));
  r->note_pipelining(f.session, true);
  CHECK(f.reply_line(r->on_data(f.session)) ==
        "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining");
  CHECK(
      f.log.contains("NOQUEUE: reject: DATA from unknown[10.1.2.3]: 503 5.5.0 <DATA>: Data "
                     "command rejected: Improper use of SMTP command pipelining; "
                     "from=<sender@example.org> to=<alice@example.test> proto=ESMTP "
                     "helo=<client.example.org>"));
}

TEST_CASE("end-of-data and ETRN lists", "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_end_of_data_restrictions", "reject");
  f.config.set_override("smtpd_etrn_restrictions", "check_etrn_access inline:{bad.example=REJECT}");
  auto r = f.engine();
  f.session.recipients = {"a@example.test", "b@example.test"};
  CHECK(f.reply_line(r->on_end_of_data(f.session, 100)) ==
        "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied");
  CHECK(f.reply_line(r->on_etrn(f.session, "bad.example")) ==
        "554 5.7.1 <bad.example>: Etrn command rejected: Access denied");
  CHECK_FALSE(r->on_etrn(f.session, "good.example"));
}

TEST_CASE("an unknown restriction fails the request with 451 4.3.5, as Postfix does",
          "[smtpd][restrictions]") {
  // Observed on Postfix 3.7.11: no start-up error, a warning and a 451 reply.
  Fixture f;
  f.session.client.addr = "127.0.0.1";
  f.config.set_override("smtpd_recipient_restrictions", "reject_everything");
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) == "451 4.3.5 Server configuration error");
  CHECK(f.log.contains("warning: unknown smtpd restriction: \"reject_everything\""));
  CHECK(
      f.log.contains("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 451 4.3.5 Server "
                     "configuration error; from=<sender@example.org> to=<alice@example.test>"));
}

TEST_CASE("start-up refuses undefined classes and lists that could relay for anyone",
          "[smtpd][restrictions]") {
  Fixture g;
  g.config.set_override("smtpd_relay_restrictions", "permit_mynetworks");
  auto r2 = smtpd::Restrictions::create(g.config);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("specify at least one working instance of") != std::string::npos);

  Fixture h;
  h.config.set_override("smtpd_restriction_classes", "nodef");
  auto r3 = smtpd::Restrictions::create(h.config);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message == "restriction class `nodef' needs a definition");
}

TEST_CASE("a local recipient table that cannot be read defers with 451 4.3.0",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("local_recipient_maps", "hash:" + f.dir.file("missing"));
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "451 4.3.0 <alice@example.test>: Temporary lookup failure");
  CHECK(f.log.contains("warning: hash:" + f.dir.file("missing") + " lookup error for"));
}

TEST_CASE("permit_sasl_authenticated needs SASL enabled and a logged-in client",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_sasl_auth_enable", "yes");
  auto r = f.engine();
  CHECK(f.rcpt(*r, "x@elsewhere.example"));
  f.session.sasl_method = "PLAIN";
  f.session.sasl_username = "alice@example.test";
  CHECK_FALSE(f.rcpt(*r, "x@elsewhere.example"));
}

TEST_CASE("smtpd_delay_reject=no: a refused EHLO logs the name and the protocol before it",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_delay_reject", "no");
  f.config.set_override("smtpd_helo_restrictions", "reject_non_fqdn_helo_hostname");
  f.config.set_override("smtpd_sender_restrictions", "reject_non_fqdn_sender");
  f.session.sender.reset();
  f.session.helo_name.reset();
  f.session.esmtp = false;
  auto e = smtpd::Restrictions::create(f.config);
  REQUIRE(e);
  auto& r = **e;
  CHECK_FALSE(r.on_connect(f.session));
  f.session.helo_name = "localhost";
  f.session.esmtp = true;
  CHECK(f.reply_line(r.on_helo(f.session)) ==
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname");
  CHECK(
      f.log.contains("NOQUEUE: reject: EHLO from unknown[10.1.2.3]: 504 5.5.2 <localhost>: "
                     "Helo command rejected: need fully-qualified hostname; proto=SMTP "
                     "helo=<localhost>"));
  f.session.helo_name.reset();  // what the protocol engine does after a refused EHLO
  f.session.sender = "s@localhost";
  CHECK(f.reply_line(r.on_mail(f.session)) ==
        "504 5.5.2 <s@localhost>: Sender address rejected: need fully-qualified address");
  CHECK(
      f.log.contains("NOQUEUE: reject: MAIL from unknown[10.1.2.3]: 504 5.5.2 <s@localhost>: "
                     "Sender address rejected: need fully-qualified address; "
                     "from=<s@localhost> proto=SMTP"));
}

TEST_CASE("reject_sender_login_mismatch compares smtpd_sender_login_maps with the SASL login",
          "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("smtpd_sasl_auth_enable", "yes");
  f.config.set_override("smtpd_sender_login_maps",
                        "inline:{{alice@example.test=alice, bob}, carol@example.test=carol}");
  f.config.set_override("smtpd_sender_restrictions", "reject_sender_login_mismatch");
  f.session.client.addr = "127.0.0.1";
  auto r = f.engine();
  f.session.sender = "alice@example.test";
  CHECK(f.reply_line(f.rcpt(*r, "bob@example.test")) ==
        "553 5.7.1 <alice@example.test>: Sender address rejected: not logged in");
  f.session.sasl_method = "PLAIN";
  f.session.sasl_username = "bob";
  CHECK_FALSE(f.rcpt(*r, "bob@example.test"));
  f.session.sender = "carol@example.test";
  CHECK(f.reply_line(f.rcpt(*r, "bob@example.test")) ==
        "553 5.7.1 <carol@example.test>: Sender address rejected: not owned by user bob");
  f.session.sender = "nobody@example.org";  // no owner: refused for a logged-in client
  CHECK(f.reply_line(f.rcpt(*r, "bob@example.test")) ==
        "553 5.7.1 <nobody@example.org>: Sender address rejected: not owned by user bob");
}

TEST_CASE("mynetworks from a file and a table, and mynetworks_style when it is unset",
          "[smtpd][restrictions]") {
  Fixture f;
  std::string file = f.dir.write("nets", "# trusted\n192.0.2.0/25 !192.0.2.128/25\n");
  std::string cidr = f.dir.write("nets.cidr", "198.51.100.0/24 yes\n");
  f.config.set_override("mynetworks", file + " cidr:" + cidr);
  auto r = f.engine();
  f.session.client.addr = "192.0.2.7";
  CHECK_FALSE(f.rcpt(*r, "x@elsewhere.example"));
  f.session.client.addr = "198.51.100.9";
  CHECK_FALSE(f.rcpt(*r, "x@elsewhere.example"));
  f.session.client.addr = "192.0.2.200";
  CHECK(f.rcpt(*r, "x@elsewhere.example"));

  Fixture g;
  g.config.clear_override("mynetworks");
  g.config.set_override("mynetworks_style", "host");
  auto r2 = g.engine();
  g.session.client.addr = "127.0.0.1";
  CHECK_FALSE(g.rcpt(*r2, "x@elsewhere.example"));
  g.session.client.addr = "127.0.0.5";  // same /8, but "host" trusts only our addresses
  CHECK(g.reply_line(g.rcpt(*r2, "x@elsewhere.example")) ==
        "454 4.7.1 <x@elsewhere.example>: Relay access denied");
}

TEST_CASE("a mynetworks table that cannot be read defers, never relays", "[smtpd][restrictions]") {
  Fixture f;
  f.config.set_override("mynetworks", "hash:" + f.dir.file("no-such-networks"));
  auto r = f.engine();
  CHECK(f.reply_line(f.rcpt(*r, "x@elsewhere.example")) ==
        "451 4.3.0 <x@elsewhere.example>: Temporary lookup failure");
}

TEST_CASE("unknown HELO names and clients without a verified name", "[smtpd][restrictions][dns]") {
  Fixture f;
  f.config.set_override("smtpd_helo_restrictions", "reject_unknown_helo_hostname");
  f.config.set_override("smtpd_client_restrictions", "reject_unknown_client_hostname");
  auto r = f.engine();
  f.session.helo_name = "no-such-host.invalid";
  // NXDOMAIN rejects with unknown_hostname_reject_code (450); a resolver
  // failure defers with the same reply.
  f.session.client.name = "client.example.org";
  f.session.client.name_status = smtpd::PeerStatus::kOk;
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "450 4.7.1 <no-such-host.invalid>: Helo command rejected: Host not found");
  f.session.client.name = "unknown";
  f.session.client.name_status = smtpd::PeerStatus::kPerm;
  CHECK(f.reply_line(f.rcpt(*r, "alice@example.test")) ==
        "450 4.7.25 Client host rejected: cannot find your hostname, [10.1.2.3]");
  // A lookup that failed for now is 450 whatever unknown_client_reject_code says.
  f.config.set_override("unknown_client_reject_code", "550");
  auto strict = f.engine();
  CHECK(f.reply_line(f.rcpt(*strict, "alice@example.test")) ==
        "550 5.7.25 Client host rejected: cannot find your hostname, [10.1.2.3]");
  f.session.client.name_status = smtpd::PeerStatus::kTemp;
  CHECK(f.reply_line(f.rcpt(*strict, "alice@example.test")) ==
        "450 4.7.25 Client host rejected: cannot find your hostname, [10.1.2.3]");
}
