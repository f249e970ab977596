// The recipe every guide starts with: relayhost = [provider]:port with
// smtp_sasl_auth_enable, smtp_sasl_password_maps, smtp_tls_security_level =
// encrypt, smtp_tls_CAfile, smtp_sasl_security_options = noanonymous, with
// Debian's real Postfix as the provider (STARTTLS, AUTH against a sasldb,
// relaying only for authenticated clients). Wrong password: deferred with
// the server's 535; fixed table + postqueue -f: delivered.
#include <catch.hpp>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtp_fixture.h"
#include "tests/integration/smtp_provider_fixture.h"

using pipeline_test::count_of;
using pipeline_test::Pipeline;

namespace {

const std::string kMessage = "Subject: via the provider\n\nhello provider\n";

bool skip() {
  return test::skip_unless_root("whole instances switch users") ||
         test::skip_without(smtp_test::kSinkPath, "smtp-sink (Debian's postfix) is the sink") ||
         test::skip_without(smtp_test::kPostfix, "Debian's postfix is the provider") ||
         test::skip_without("saslpasswd2", "saslpasswd2 makes the provider's sasldb") ||
         test::skip_without("openssl", "openssl makes the provider's certificate");
}

std::string recipe(int port, const std::string& passwd_table, const std::string& ca) {
  return "relayhost = [127.0.0.1]:" + std::to_string(port) +
         "\nsmtp_sasl_auth_enable = yes"
         "\nsmtp_sasl_password_maps = hash:" +
         passwd_table +
         "\nsmtp_sasl_security_options = noanonymous"
         "\nsmtp_tls_security_level = encrypt"
         "\nsmtp_tls_CAfile = " +
         ca + "\n";
}

void write_passwd(const Pipeline& p, const test::TempDir& dir, int port,
                  const std::string& password) {
  dir.write("sasl_passwd",
            "[127.0.0.1]:" + std::to_string(port) + " alice@example.test:" + password + "\n", 0600);
  auto built = test::run(
      {test::command("postmap"), "-c", p.config_dir(), "hash:" + dir.file("sasl_passwd")});
  REQUIRE(built.exit_status == 0);
}

}  // namespace

TEST_CASE("smtp relays through Debian's Postfix with STARTTLS and SASL as the guides say",
          "[smtp][sasl][slow]") {
  if (skip()) return;
  test::TempDir work;
  int sink_port = master_test::free_port();
  smtp_test::Sink sink(sink_port, work.file("sink"));
  REQUIRE(sink.running());
  smtp_test::Provider provider("alice", "example.test", "s3cret", sink_port);
  INFO(provider.start_output());
  REQUIRE(provider.ok());

  Pipeline p(recipe(provider.port(), work.file("sasl_passwd"), provider.ca().cert));
  write_passwd(p, work, provider.port(), "s3cret");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  bool sent = p.instance().log_has("status=sent");
  std::string log = p.instance().log();
  INFO(log);
  INFO(provider.log());
  REQUIRE(sent);
  CHECK(log.find("to=<far@example.org>, relay=127.0.0.1[127.0.0.1]:" +
                 std::to_string(provider.port())) != std::string::npos);
  CHECK(log.find("TLS connection established to 127.0.0.1[127.0.0.1]:" +
                 std::to_string(provider.port()) + ": TLSv1.3 with cipher") != std::string::npos);
  CHECK(log.find("s3cret") == std::string::npos);
  // The provider saw our login, and passed the mail on.
  REQUIRE(master_test::eventually([&] {
    return provider.log().find("sasl_username=alice@example.test") != std::string::npos;
  }));
  CHECK(provider.log().find("sasl_method=PLAIN") != std::string::npos);
  REQUIRE(master_test::eventually([&] { return sink.dumps().size() == 1; }));
  CHECK(sink.dumps()[0].find("Subject: via the provider") != std::string::npos);
}

TEST_CASE("a wrong SASL password defers with the server's 535 until the table is fixed",
          "[smtp][sasl][slow]") {
  if (skip()) return;
  test::TempDir work;
  int sink_port = master_test::free_port();
  smtp_test::Sink sink(sink_port, work.file("sink"));
  REQUIRE(sink.running());
  smtp_test::Provider provider("alice", "example.test", "s3cret", sink_port);
  INFO(provider.start_output());
  REQUIRE(provider.ok());

  Pipeline p(recipe(provider.port(), work.file("sasl_passwd"), provider.ca().cert));
  write_passwd(p, work, provider.port(), "wrong");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  bool deferred = p.instance().log_has("status=deferred");
  INFO(p.instance().log());
  INFO(provider.log());
  REQUIRE(deferred);
  std::string log = p.instance().log();
  CHECK(log.find("status=deferred (SASL authentication failed; server 127.0.0.1[127.0.0.1] "
                 "said: 535 5.7.8") != std::string::npos);
  CHECK(log.find("wrong") == std::string::npos);
  REQUIRE(master_test::eventually([&] { return p.queue_count("deferred") == 1; },
                                  std::chrono::seconds(20)));
  auto listing = test::run({test::command("postqueue"), "-c", p.config_dir(), "-p"});
  CHECK(listing.out.find("535 5.7.8") != std::string::npos);
  CHECK(sink.dumps().empty());

  write_passwd(p, work, provider.port(), "s3cret");
  auto flush = test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"});
  CHECK(flush.exit_status == 0);
  bool sent = master_test::eventually(
      [&] { return p.instance().log().find("status=sent") != std::string::npos; },
      std::chrono::seconds(30));
  INFO(p.instance().log());
  REQUIRE(sent);
  REQUIRE(p.wait_queue_empty());
  REQUIRE(master_test::eventually([&] { return sink.dumps().size() == 1; }));
  CHECK(provider.log().find("sasl_username=alice@example.test") != std::string::npos);
}

TEST_CASE("verify needs a certificate naming the server; smtp_tls_policy_maps can say which",
          "[smtp][sasl][slow]") {
  if (skip()) return;
  test::TempDir work;
  int sink_port = master_test::free_port();
  smtp_test::Sink sink(sink_port, work.file("sink"));
  REQUIRE(sink.running());
  smtp_test::Provider provider("alice", "example.test", "s3cret", sink_port);
  INFO(provider.start_output());
  REQUIRE(provider.ok());
  const std::string hop = "[127.0.0.1]:" + std::to_string(provider.port());
  // The certificate names provider.example.test, not 127.0.0.1: verify
  // fails until the policy table says which name to expect.
  work.write("tls_policy", hop + " verify\n");
  std::string config = recipe(provider.port(), work.file("sasl_passwd"), provider.ca().cert) +
                       "smtp_tls_policy_maps = hash:" + work.file("tls_policy") + "\n";
  Pipeline p(config);
  write_passwd(p, work, provider.port(), "s3cret");
  auto postmap = [&] {
    return test::run(
        {test::command("postmap"), "-c", p.config_dir(), "hash:" + work.file("tls_policy")});
  };
  REQUIRE(postmap().exit_status == 0);
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "far@example.org"}, kMessage).exit_status == 0);
  bool deferred = p.instance().log_has("status=deferred");
  INFO(p.instance().log());
  REQUIRE(deferred);
  CHECK(p.instance().log().find("dsn=4.7.5, status=deferred (Server certificate not verified)") !=
        std::string::npos);
  CHECK(sink.dumps().empty());

  work.write("tls_policy", hop + " verify match=provider.example.test\n");
  REQUIRE(postmap().exit_status == 0);
  test::run({test::command("postqueue"), "-c", p.config_dir(), "-f"});
  bool sent = master_test::eventually(
      [&] { return p.instance().log().find("status=sent") != std::string::npos; },
      std::chrono::seconds(30));
  INFO(p.instance().log());
  REQUIRE(sent);
  CHECK(p.instance().log().find("Verified TLS connection established to 127.0.0.1[127.0.0.1]:" +
                                std::to_string(provider.port())) != std::string::npos);
  REQUIRE(master_test::eventually([&] { return sink.dumps().size() == 1; }));
}
