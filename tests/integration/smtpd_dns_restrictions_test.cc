// The DNS-based smtpd restrictions against a real DNS server (unbound,
// dns_fixture.h) that both smtpds, ours and Debian's Postfix 3.7 as oracle,
// reach from their chroot through queue/etc/resolv.conf: block lists
// (reject_rbl_client with TXT replies, =127.0.0.N filters, rbl_reply_maps,
// reject_rhsbl_*), allow lists (permit_dnswl_client), reject_unknown_*
// (client, reverse client, helo, sender and recipient domain: NXDOMAIN,
// no data, null MX, temporary failure), check_*_{mx,ns,a}_access and
// permit_mx_backup. Each dialogue runs against both; replies, reject lines
// and warnings must be the same, and the replies that matter are also
// checked for what they say.
#include <algorithm>
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/dns_fixture.h"
#include "tests/integration/master_fixture.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_interop.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

namespace {

struct Dialogues {
  std::vector<std::string> theirs, ours;
};

// Run `dialogue` against Postfix and against our smtpd, both configured
// with `main_cf` (ACCESS: a hash table made from `access_text`) and the
// DNS server `dns`; compare replies and log lines.
Dialogues compare_with_postfix(const dns_test::DnsServer& dns, const std::string& main_cf,
                               const std::string& access_text,
                               const std::vector<std::string>& dialogue, std::size_t min_lines) {
  // Many rejects in one session: no error sleep, no 421 on the way.
  const std::string restrictions = main_cf +
                                   "smtpd_error_sleep_time = 0\nsmtpd_soft_error_limit = 100\n"
                                   "smtpd_hard_error_limit = 100\n";
  smtpd_test::PostfixOracle oracle(restrictions, access_text, "", dns.resolv_conf());
  INFO(oracle.why());
  REQUIRE(oracle.ok());

  smtpd_test::SmtpdInstance ours;
  smtpd_test::add_oracle_config(ours, restrictions, access_text);
  dns.install(ours.instance().dir().file("queue"));
  REQUIRE(ours.start().exit_status == 0);
  // start() made sure our smtpd answers with a session of its own: compare
  // only what comes after it.
  REQUIRE(ours.log_has("disconnect from"));
  const std::size_t our_start = ours.log().size();

  Dialogues d;
  d.theirs = smtpd_test::run_dialogue(oracle.port(), dialogue);
  d.ours = smtpd_test::run_dialogue(ours.port(), dialogue);
  REQUIRE(d.theirs.size() == d.ours.size());
  for (std::size_t i = 0; i < d.ours.size(); ++i) CHECK(d.ours[i] == d.theirs[i]);

  const smtpd_test::PolicyLineOptions options{.keep_client_name = true, .warnings = true};
  std::vector<std::string> theirs_log, our_log;
  master_test::eventually([&] {
    theirs_log = smtpd_test::policy_lines(oracle.log(), options);
    our_log = smtpd_test::policy_lines(ours.log().substr(our_start), options);
    return theirs_log.size() >= min_lines && our_log.size() == theirs_log.size();
  });
  INFO("their log:\n" << oracle.log() << "\nour log:\n" << ours.log());
  CHECK(our_log.size() == theirs_log.size());
  for (std::size_t i = 0; i < std::min(our_log.size(), theirs_log.size()); ++i)
    CHECK(our_log[i] == theirs_log[i]);
  return d;
}

// The reply to `command` (its first occurrence from `from` on).
std::string reply_to(const std::vector<std::string>& replies, const std::string& command,
                     std::size_t from = 0) {
  for (std::size_t i = from; i < replies.size(); ++i)
    if (replies[i].rfind(command + " -> ", 0) == 0) return replies[i].substr(command.size() + 4);
  return "(no such command)";
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool skip_all() {
  return test::skip_unless_root("both instances switch users") ||
         test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here");
}

// The client, 127.0.0.1, is client.example.test both ways.
const std::vector<std::string> kClientKnown = {
    "1.0.0.127.in-addr.arpa. PTR client.example.test.",
    "client.example.test. A 127.0.0.1",
};

}  // namespace

TEST_CASE("block lists, allow lists and DNS server checks answer as Postfix 3.7 does",
          "[smtpd][restrictions][dns][interop][slow]") {
  if (skip_all()) return;
  std::vector<std::string> records = kClientKnown;
  records.insert(records.end(),
                 {
                     "helo.example.test. A 127.0.0.1",
                     "helo.example.test. MX 10 mx1.bad.test.",
                     "client.example.test.wl.test. A 127.0.0.2",
                     // IP block lists: 127.0.0.1 is listed by zen.test and custom.test.
                     "1.0.0.127.zen.test. A 127.0.0.2",
                     "1.0.0.127.zen.test. TXT \"Listed by zen, see https://zen.test/q?127.0.0.1\"",
                     "1.0.0.127.custom.test. A 127.0.0.10",
                     "1.0.0.127.custom.test. TXT \"custom listing\"",
                     "1.0.0.127.wl.test. A 127.0.0.5",
                     // Name block lists.
                     "client.example.test.rhs.test. A 127.0.0.2",
                     "client.example.test.rhs.test. TXT \"client name listed\"",
                     "helo.example.test.rhs.test. A 127.0.0.2",
                     "spam.example.test.rhs.test. A 127.0.0.2",
                     "spam.example.test. MX 10 mx.spam.example.test.",
                     "rhsbl-rcpt.example.rhs.test. A 127.0.0.4",
                     // Access by DNS servers.
                     "mxbad.test. MX 10 mx1.bad.test.",
                     "mx1.bad.test. A 127.0.0.66",
                     "mxaddr.test. MX 10 mx2.other.test.",
                     "mx2.other.test. A 127.0.0.67",
                     "mxself.test. A 127.0.0.68",
                     "nsbad.test. NS ns1.bad.test.",
                     "sub.nsbad.test. A 127.0.0.1",
                     "ns1.bad.test. A 127.0.0.69",
                     "abad.test. A 127.0.0.70",
                     "aok.test. A 127.0.0.88",
                     "nullmx.test. MX 0 .",
                     // permit_mx_backup: we are mx.example.test.
                     "backup.test. MX 10 primary.backup.test.",
                     "backup.test. MX 20 mx.example.test.",
                     "primary.backup.test. A 192.0.2.1",
                     "backup2.test. MX 10 primary.backup2.test.",
                     "backup2.test. MX 20 mx.example.test.",
                     "primary.backup2.test. A 198.51.100.1",
                     "primary.test. MX 10 mx.example.test.",
                     "mx.example.test. A 127.0.0.1",
                 });
  dns_test::DnsServer dns(records, {"tempfail.test."});
  if (dns.skipped()) return;
  INFO(dns.why());
  REQUIRE(dns.ok());

  // Each recipient domain selects one restriction class through ACCESS.
  const std::string main_cf =
      "mynetworks = 127.0.0.0/8\n"
      "relay_domains = dnswl.example, dnswlmiss.example, dnswltemp.example, rhswl.example\n"
      "permit_mx_backup_networks = 192.0.2.0/24\n"
      "rbl_reply_maps = inline:{{custom.test=550 5.7.9 $$rbl_class $$rbl_what listed by "
      "$$rbl_domain ($$rbl_reason)}}\n"
      "smtpd_recipient_restrictions = check_recipient_access hash:ACCESS, permit\n"
      "smtpd_restriction_classes = rbl, rblhit, rblmiss, rblcustom, rbltemp, rhsclient, rhsrev, "
      "rhshelo, rhssender, rhsrcpt, dnswl, dnswlmiss, dnswltemp, rhswl, mxchk, nschk, achk, mxb, "
      "clientmx, helomx, senderns, revclienta\n"
      "rbl = reject_rbl_client zen.test\n"
      "rblhit = reject_rbl_client zen.test=127.0.0.2\n"
      "rblmiss = reject_rbl_client zen.test=127.0.0.4, reject_rbl_client custom.test=127.0.0.2\n"
      "rblcustom = reject_rbl_client custom.test\n"
      "rbltemp = reject_rbl_client tempfail.test\n"
      "rhsclient = reject_rhsbl_client rhs.test\n"
      "rhsrev = reject_rhsbl_reverse_client rhs.test\n"
      "rhshelo = reject_rhsbl_helo rhs.test\n"
      "rhssender = reject_rhsbl_sender rhs.test\n"
      "rhsrcpt = reject_rhsbl_recipient rhs.test=127.0.0.4\n"
      "dnswl = permit_dnswl_client wl.test, reject\n"
      "dnswlmiss = permit_dnswl_client nowl.test, reject\n"
      "dnswltemp = permit_dnswl_client tempfail.test, reject\n"
      "rhswl = permit_rhswl_client wl.test, reject\n"
      "helomx = check_helo_mx_access inline:{{mx1.bad.test=REJECT bad helo mx}}\n"
      "senderns = check_sender_ns_access inline:{{ns1.bad.test=REJECT bad sender ns}}\n"
      "revclienta = check_reverse_client_hostname_a_access inline:{{127.0.0.1=REJECT reverse "
      "client}}\n"
      "mxchk = check_recipient_mx_access inline:{{mx1.bad.test=REJECT bad mx name}, "
      "{127.0.0.67=REJECT bad mx address}, {127.0.0.68=554 5.7.9 domain is its own mx}}\n"
      "nschk = check_recipient_ns_access inline:{{ns1.bad.test=REJECT bad name server}}\n"
      "achk = check_recipient_a_access inline:{{127.0.0.70=REJECT bad address}, {127.0.0.88=OK}}\n"
      "mxb = permit_mx_backup, reject\n"
      "clientmx = check_client_a_access inline:{{127.0.0.1=REJECT client address}}\n";
  const std::string access =
      "rbl.example rbl\nrblhit.example rblhit\nrblmiss.example rblmiss\n"
      "rblcustom.example rblcustom\nrbltemp.example rbltemp\nrhsclient.example rhsclient\n"
      "rhsrev.example rhsrev\nrhshelo.example rhshelo\nrhssender.example rhssender\n"
      "rhsbl-rcpt.example rhsrcpt\ndnswl.example dnswl\ndnswlmiss.example dnswlmiss\n"
      "mxbad.test mxchk\nmxaddr.test mxchk\nmxself.test mxchk\nnullmx.test mxchk\n"
      "tempfail.test mxchk\nsub.nsbad.test nschk\nabad.test achk\naok.test achk\n"
      "backup.test mxb\nbackup2.test mxb\nprimary.test mxb\nsub.tempfail.test mxb\n"
      "clientmx.example clientmx\ndnswltemp.example dnswltemp\nrhswl.example rhswl\n"
      "helomx.example helomx\nsenderns.example senderns\nrevclienta.example revclienta\n";
  const std::vector<std::string> dialogue = {
      "EHLO helo.example.test",
      "MAIL FROM:<s@spam.example.test>",
      "RCPT TO:<x@rbl.example>",
      "RCPT TO:<x@rblhit.example>",
      "RCPT TO:<x@rblmiss.example>",
      "RCPT TO:<x@rblcustom.example>",
      "RCPT TO:<x@rbltemp.example>",
      "RCPT TO:<x@rhsclient.example>",
      "RCPT TO:<x@rhsrev.example>",
      "RCPT TO:<x@rhshelo.example>",
      "RCPT TO:<x@rhssender.example>",
      "RCPT TO:<x@rhsbl-rcpt.example>",
      "RCPT TO:<x@dnswl.example>",
      "RCPT TO:<x@dnswlmiss.example>",
      "RCPT TO:<x@mxbad.test>",
      "RCPT TO:<x@mxaddr.test>",
      "RCPT TO:<x@mxself.test>",
      "RCPT TO:<x@nullmx.test>",
      "RCPT TO:<x@tempfail.test>",
      "RCPT TO:<x@sub.nsbad.test>",
      "RCPT TO:<x@abad.test>",
      "RCPT TO:<x@aok.test>",
      "RCPT TO:<x@backup.test>",
      "RCPT TO:<x@backup2.test>",
      "RCPT TO:<x@primary.test>",
      "RCPT TO:<x@clientmx.example>",
      "RCPT TO:<x@dnswltemp.example>",
      "RCPT TO:<x@rhswl.example>",
      "RCPT TO:<x@sub.tempfail.test>",
      "RCPT TO:<x@helomx.example>",
      "RCPT TO:<x@senderns.example>",
      "RCPT TO:<x@revclienta.example>",
      "QUIT",
  };
  Dialogues d = compare_with_postfix(dns, main_cf, access, dialogue, 18);
  const auto& r = d.ours;
  INFO(joined(r));
  CHECK(reply_to(r, "RCPT TO:<x@rbl.example>") ==
        "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.test; "
        "Listed by zen, see https://zen.test/q?127.0.0.1");
  CHECK(reply_to(r, "RCPT TO:<x@rblmiss.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@rblcustom.example>") ==
        "550 5.7.9 Client host 127.0.0.1 listed by custom.test (custom listing)");
  CHECK(reply_to(r, "RCPT TO:<x@rbltemp.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@rhsclient.example>").find("client.example.test") !=
        std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@dnswl.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@dnswlmiss.example>").starts_with("554 "));
  CHECK(reply_to(r, "RCPT TO:<x@mxbad.test>").find("bad mx name") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@mxaddr.test>").find("bad mx address") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@mxself.test>").find("its own mx") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@sub.nsbad.test>").find("bad name server") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@abad.test>").find("bad address") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@aok.test>").starts_with("451 4.3.5 "));
  CHECK(reply_to(r, "RCPT TO:<x@backup.test>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@backup2.test>").starts_with("554 "));
  CHECK(reply_to(r, "RCPT TO:<x@primary.test>").starts_with("554 "));
  CHECK(reply_to(r, "RCPT TO:<x@clientmx.example>").find("client address") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@dnswltemp.example>") ==
        "450 4.7.1 <127.0.0.1>: Client host rejected: Service unavailable");
  CHECK(reply_to(r, "RCPT TO:<x@rhswl.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@sub.tempfail.test>").starts_with("450 4.4.4 "));
  CHECK(reply_to(r, "RCPT TO:<x@helomx.example>").find("bad helo mx") != std::string::npos);
  CHECK(reply_to(r, "RCPT TO:<x@senderns.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@revclienta.example>").find("reverse client") != std::string::npos);
}

TEST_CASE("unknown helo, sender and recipient domains answer as Postfix 3.7 does",
          "[smtpd][restrictions][dns][interop][slow]") {
  if (skip_all()) return;
  std::vector<std::string> records = kClientKnown;
  records.insert(records.end(), {
                                    "helo.example.test. A 127.0.0.1",
                                    "mxonly.test. MX 10 mx.mxonly.test.",
                                    "aonly.test. A 127.0.0.1",
                                    "nodata.test. TXT \"no mail here\"",
                                    "nullmx.test. MX 0 .",
                                });
  dns_test::DnsServer dns(records, {"tempfail.test."});
  if (dns.skipped()) return;
  INFO(dns.why());
  REQUIRE(dns.ok());
  const std::string main_cf =
      "mynetworks = 127.0.0.0/8\n"
      "smtpd_helo_required = yes\n"
      "smtpd_recipient_restrictions = check_recipient_access hash:ACCESS, "
      "reject_unknown_recipient_domain, permit\n"
      "smtpd_restriction_classes = unkhelo, unksender, unkclient, unkrev\n"
      "unkhelo = reject_unknown_helo_hostname, permit\n"
      "unksender = reject_unknown_sender_domain, permit\n"
      "unkclient = reject_unknown_client_hostname, permit\n"
      "unkrev = reject_unknown_reverse_client_hostname, permit\n";
  const std::string access =
      "unkhelo.example unkhelo\nunksender.example unksender\nunkclient.example unkclient\n"
      "unkrev.example unkrev\n";
  const std::vector<std::string> dialogue = {
      "EHLO helo.example.test",
      "MAIL FROM:<s@mxonly.test>",
      "RCPT TO:<x@unkhelo.example>",
      "RCPT TO:<x@unksender.example>",
      "RCPT TO:<x@unkclient.example>",
      "RCPT TO:<x@unkrev.example>",
      "RCPT TO:<x@mxonly.test>",
      "RCPT TO:<x@aonly.test>",
      "RCPT TO:<x@nxdomain.test>",
      "RCPT TO:<x@nodata.test>",
      "RCPT TO:<x@nullmx.test>",
      "RCPT TO:<x@tempfail.test>",
      "RSET",
      "EHLO nxhelo.test",
      "MAIL FROM:<s@nodata.test>",
      "RCPT TO:<x@unkhelo.example>",
      "RCPT TO:<x@unksender.example>",
      "RSET",
      "EHLO tempfail.test",
      "MAIL FROM:<s@tempfail.test>",
      "RCPT TO:<x@unkhelo.example>",
      "RCPT TO:<x@unksender.example>",
      "RSET",
      "EHLO aonly.test",
      "MAIL FROM:<s@nullmx.test>",
      "RCPT TO:<x@unkhelo.example>",
      "RCPT TO:<x@unksender.example>",
      "QUIT",
  };
  Dialogues d = compare_with_postfix(dns, main_cf, access, dialogue, 9);
  const auto& r = d.ours;
  INFO(joined(r));
  CHECK(reply_to(r, "RCPT TO:<x@unkhelo.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@unkclient.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@aonly.test>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@nxdomain.test>") ==
        "450 4.1.2 <x@nxdomain.test>: Recipient address rejected: Domain not found");
  CHECK(reply_to(r, "RCPT TO:<x@nullmx.test>").starts_with("556 "));
  CHECK(reply_to(r, "RCPT TO:<x@tempfail.test>").starts_with("450 "));
  CHECK(reply_to(r, "RCPT TO:<x@unksender.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@unkrev.example>").starts_with("250 "));
  CHECK(reply_to(r, "RCPT TO:<x@nodata.test>") ==
        "450 4.1.2 <x@nodata.test>: Recipient address rejected: Domain not found");
  CHECK(reply_to(r, "RCPT TO:<x@unksender.example>", 13) ==
        "450 4.1.8 <s@nodata.test>: Sender address rejected: Domain not found");
  CHECK(reply_to(r, "RCPT TO:<x@unkhelo.example>", 18).starts_with("450 4.7.1 <tempfail.test>"));
  CHECK(reply_to(r, "RCPT TO:<x@unksender.example>", 23).starts_with("550 5.7.27 "));
  CHECK(reply_to(r, "RCPT TO:<x@unkhelo.example>", 13) ==
        "450 4.7.1 <nxhelo.test>: Helo command rejected: Host not found");
}

TEST_CASE(
    "a client without PTR, with a PTR that does not resolve back, or whose PTR lookup "
    "fails for now, is unknown as Postfix 3.7 says",
    "[smtpd][restrictions][dns][interop][slow]") {
  if (skip_all()) return;
  const std::string main_cf =
      "mynetworks = 127.0.0.0/8\n"
      "unknown_client_reject_code = 550\n"
      "smtpd_client_restrictions = warn_if_reject reject_unknown_reverse_client_hostname, "
      "reject_unknown_client_hostname\n";
  const std::vector<std::string> dialogue = {"EHLO x.example.test", "MAIL FROM:<s@example.test>",
                                             "RCPT TO:<root@mx.example.test>", "QUIT"};
  SECTION("no PTR record: neither name is known, 550") {
    dns_test::DnsServer dns({"example.test. MX 10 mx.example.test."});
    if (dns.skipped()) return;
    REQUIRE(dns.ok());
    Dialogues d = compare_with_postfix(dns, main_cf, "", dialogue, 2);
    CHECK(reply_to(d.ours, "RCPT TO:<root@mx.example.test>") ==
          "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]");
  }
  SECTION("a PTR name whose address is another: reverse known, name forged, 550") {
    dns_test::DnsServer dns(
        {"1.0.0.127.in-addr.arpa. PTR liar.example.test.", "liar.example.test. A 127.0.0.9"});
    if (dns.skipped()) return;
    REQUIRE(dns.ok());
    Dialogues d = compare_with_postfix(dns, main_cf, "", dialogue, 2);
    CHECK(reply_to(d.ours, "RCPT TO:<root@mx.example.test>") ==
          "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]");
  }
  SECTION("a PTR lookup that fails for now: 450, whatever unknown_client_reject_code says") {
    dns_test::DnsServer dns({}, {"1.0.0.127.in-addr.arpa."});
    if (dns.skipped()) return;
    REQUIRE(dns.ok());
    Dialogues d = compare_with_postfix(dns, main_cf, "", dialogue, 2);
    CHECK(reply_to(d.ours, "RCPT TO:<root@mx.example.test>") ==
          "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]");
  }
}
