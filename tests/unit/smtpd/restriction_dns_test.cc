// DNS pieces of the restriction engine: block-list query names and the
// not-listed path through the C library's resolver.
#include "smtpd/restriction_dns.h"

#include <catch.hpp>

#include "smtpd/restriction_hostname.h"
#include "smtpd/restriction_reply.h"
#include "tests/unit/smtpd/restriction_fixture.h"

TEST_CASE("RBL query names reverse IPv4 octets and IPv6 nibbles", "[smtpd][dns]") {
  CHECK(smtpd::rbl_query_name("192.0.2.10", "zen.example") ==
        std::optional<std::string>("10.2.0.192.zen.example"));
  CHECK(smtpd::rbl_query_name("2001:db8::1", "bl.example") ==
        std::optional<std::string>(
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example"));
  CHECK_FALSE(smtpd::rbl_query_name("not-an-address", "bl.example"));
}

TEST_CASE("RHSBL query names take the domain of an address, never a literal or number",
          "[smtpd][dns]") {
  CHECK(smtpd::rhsbl_query_name("joe@spam.example", "rhs.example") ==
        std::optional<std::string>("spam.example.rhs.example"));
  CHECK(smtpd::rhsbl_query_name("helo.example", "rhs.example") ==
        std::optional<std::string>("helo.example.rhs.example"));
  CHECK_FALSE(smtpd::rhsbl_query_name("joe@[192.0.2.1]", "rhs.example"));
  CHECK_FALSE(smtpd::rhsbl_query_name("192.0.2.1", "rhs.example"));
  CHECK_FALSE(smtpd::rhsbl_query_name("joe@bad..example", "rhs.example"));
  CHECK_FALSE(smtpd::rhsbl_query_name("joe@", "rhs.example"));
}

TEST_CASE("block list answers match list=ADDR filters with Postfix's byte patterns",
          "[smtpd][dns]") {
  smtpd::RblRecord r;
  r.found = true;
  r.addresses = {"127.0.0.4"};
  CHECK(smtpd::rbl_matches(r, ""));
  CHECK(smtpd::rbl_matches(r, "127.0.0.4"));
  CHECK_FALSE(smtpd::rbl_matches(r, "127.0.0.2"));
  CHECK(smtpd::rbl_matches(r, "127.0.0.2,127.0.0.4"));
  CHECK(smtpd::rbl_matches(r, "127.0.0.[2;4]"));
  CHECK(smtpd::rbl_matches(r, "127.0.0.[2..11]"));
  CHECK(smtpd::rbl_matches(r, "127.[0;1].0.[1..3;4]"));
  CHECK_FALSE(smtpd::rbl_matches(r, "127.0.0.[5..11]"));
  CHECK_FALSE(smtpd::rbl_matches(r, "127.0.0"));
  CHECK_FALSE(smtpd::rbl_matches(r, "127.0.0.[4"));
  r.found = false;
  CHECK_FALSE(smtpd::rbl_matches(r, ""));
}

TEST_CASE("a client not listed in a block list passes reject_rbl_client",
          "[smtpd][dns][restrictions]") {
  rtest::Fixture f;
  f.config.set_override("smtpd_client_restrictions",
                        "reject_rbl_client bl.invalid, reject_rhsbl_sender bl.invalid");
  auto r = f.engine();
  CHECK_FALSE(f.rcpt(*r, "alice@example.test"));
  CHECK_FALSE(smtpd::rbl_lookup("3.2.1.10.bl.invalid", "").listed);
}

TEST_CASE("host name syntax as Postfix judges it", "[smtpd][dns]") {
  CHECK(smtpd::valid_hostname("mx.example.test"));
  CHECK(smtpd::valid_hostname("a_b.example"));
  CHECK_FALSE(smtpd::valid_hostname("-a.example"));
  CHECK_FALSE(smtpd::valid_hostname("a-.example"));
  CHECK_FALSE(smtpd::valid_hostname("a..example"));
  CHECK_FALSE(smtpd::valid_hostname("1.2.3.4"));
  CHECK(smtpd::valid_hostaddr("1.2.3.4"));
  CHECK(smtpd::valid_mailhost_addr("IPv6:::1"));
  CHECK_FALSE(smtpd::valid_mailhost_addr("::1"));
  CHECK(smtpd::drop_trailing_dot("a.example.") == "a.example");
  CHECK(smtpd::drop_trailing_dot("a.example..") == "a.example..");
}

TEST_CASE("the default RBL reply template expands as Postfix's", "[smtpd][dns]") {
  rtest::Fixture f;
  auto tpl = f.config.try_get("default_rbl_reply");
  REQUIRE(tpl);
  auto lookup = [](std::string_view name) -> std::optional<std::string> {
    if (name == "rbl_code") return "554";
    if (name == "rbl_class") return "Client host";
    if (name == "rbl_what") return "192.0.2.10";
    if (name == "rbl_domain") return "zen.example";
    if (name == "rbl_reason") return "listed for spam";
    return std::nullopt;
  };
  CHECK(smtpd::expand_template(*tpl, lookup) ==
        "554 Service unavailable; Client host [192.0.2.10] blocked using zen.example; listed "
        "for spam");
  auto no_reason = [&](std::string_view name) -> std::optional<std::string> {
    return name == "rbl_reason" ? std::optional<std::string>("") : lookup(name);
  };
  CHECK(smtpd::expand_template(*tpl, no_reason) ==
        "554 Service unavailable; Client host [192.0.2.10] blocked using zen.example");
}
