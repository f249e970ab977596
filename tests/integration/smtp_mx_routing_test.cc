// The smtp agent routing by MX records from a real DNS server (unbound,
// dns_fixture.h) that the chrooted agent reaches through
// queue/etc/resolv.conf: the most preferred MX first whatever the order of
// the answer, the next MX when the first refuses the connection, a lookup
// that fails for now defers, a domain that does not exist or has a null
// MX bounces, and an MX that is this instance is never used (a loop when
// it is the best one).
#include <catch.hpp>
#include <string>

#include "tests/integration/dns_fixture.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtp_fixture.h"

using pipeline_test::count_of;

TEST_CASE(
    "smtp delivers to the most preferred MX that answers and defers or bounces on DNS "
    "failures",
    "[smtp][dns]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without(smtp_test::kSinkPath, "smtp-sink (Debian's postfix) is the server"))
    return;
  // Nothing listens on 127.0.0.2: a connection there is refused at once.
  dns_test::DnsServer dns(
      {"fallback.test. MX 10 mx1.fallback.test.", "fallback.test. MX 20 mx2.fallback.test.",
       "mx1.fallback.test. A 127.0.0.2", "mx2.fallback.test. A 127.0.0.1",
       "best.test. MX 20 far.best.test.", "best.test. MX 5 near.best.test.",
       "far.best.test. A 127.0.0.2", "near.best.test. A 127.0.0.1", "nullmx.test. MX 0 .",
       // 127.0.0.5 is this instance (inet_interfaces below).
       "loop.test. MX 10 self.loop.test.", "self.loop.test. A 127.0.0.5",
       "backup.test. MX 10 primary.backup.test.", "backup.test. MX 20 self.loop.test.",
       "primary.backup.test. A 127.0.0.1"},
      {"tempfail.test."});
  if (dns.skipped()) return;
  INFO(dns.why());
  REQUIRE(dns.ok());

  test::TempDir dumps;
  int port = master_test::free_port();
  smtp_test::Sink sink(port, dumps.file("sink"));
  REQUIRE(sink.running());
  const std::string p = std::to_string(port);
  // Domain names as next hops (MX lookups), on the sink's port.
  pipeline_test::Pipeline pipeline(
      "transport_maps = inline:{ fallback.test=smtp:fallback.test:" + p +
      ", best.test=smtp:best.test:" + p + ", tempfail.test=smtp:tempfail.test:" + p +
      ", nxdomain.test=smtp:nxdomain.test:" + p + ", nullmx.test=smtp:nullmx.test:" + p +
      ", loop.test=smtp:loop.test:" + p + ", backup.test=smtp:backup.test:" + p +
      " }\ninet_interfaces = 127.0.0.5\n");
  dns.install(pipeline.instance().dir().file("queue"));
  REQUIRE(pipeline.start().exit_status == 0);
  REQUIRE(pipeline
              .sendmail({"-f", "root", "a@fallback.test", "b@best.test", "c@tempfail.test",
                         "d@nxdomain.test", "e@nullmx.test", "f@loop.test", "g@backup.test"},
                        "Subject: mx routing\n\nbody\n")
              .exit_status == 0);

  auto smtp_log = [&] {
    std::string out;
    for (const auto& l : smtp_test::log_lines(pipeline.instance().log(), "postfix/smtp["))
      out += l + "\n";
    return out;
  };
  bool done = master_test::eventually(
      [&] {
        std::string log = smtp_log();
        return count_of(log, "status=") >= 7;
      },
      std::chrono::seconds(30));
  std::string log = smtp_log();
  INFO(pipeline.instance().log());
  REQUIRE(done);
  CHECK(count_of(log, "connect to mx1.fallback.test[127.0.0.2]:" + p + ": Connection refused") ==
        1);
  CHECK(count_of(log, "to=<a@fallback.test>, relay=mx2.fallback.test[127.0.0.1]:" + p) == 1);
  CHECK(count_of(log, "to=<b@best.test>, relay=near.best.test[127.0.0.1]:" + p) == 1);
  CHECK(count_of(log, "far.best.test") == 0);
  auto tempfail = smtp_test::log_lines(log, "to=<c@tempfail.test>");
  REQUIRE(tempfail.size() == 1);
  CHECK(tempfail[0].find("status=deferred (Host or domain name not found. Name service error for "
                         "name=tempfail.test type=MX: Host not found, try again)") !=
        std::string::npos);
  auto nx = smtp_test::log_lines(log, "to=<d@nxdomain.test>");
  REQUIRE(nx.size() == 1);
  CHECK(nx[0].find("status=bounced (Host or domain name not found. Name service error for "
                   "name=nxdomain.test type=MX: Host not found)") != std::string::npos);
  // A null MX: the domain takes no mail, a permanent failure (Postfix 3.7's words).
  auto nullmx = smtp_test::log_lines(log, "to=<e@nullmx.test>");
  REQUIRE(nullmx.size() == 1);
  CHECK(nullmx[0].find("dsn=5.1.0, status=bounced (Domain nullmx.test does not accept mail "
                       "(nullMX))") != std::string::npos);
  // Our own MX: only better ones may take the mail, and none left is a loop.
  auto loop = smtp_test::log_lines(log, "to=<f@loop.test>");
  REQUIRE(loop.size() == 1);
  CHECK(loop[0].find("dsn=5.4.6, status=bounced (mail for loop.test loops back to myself)") !=
        std::string::npos);
  CHECK(count_of(log, "to=<g@backup.test>, relay=primary.backup.test[127.0.0.1]:" + p) == 1);
  CHECK(master_test::eventually([&] { return sink.dumps().size() == 3; }));
}
