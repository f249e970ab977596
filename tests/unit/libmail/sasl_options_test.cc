#include "libmail/sasl_options.h"

#include <sasl/sasl.h>

#include <catch.hpp>

#include "tests/support/temp_dir.h"

TEST_CASE("SASL security options become libsasl2 flags and unknown words are named",
          "[sasl_options]") {
  auto f =
      mail::parse_sasl_security_options("smtpd_sasl_security_options", "noanonymous, NOPLAINTEXT");
  REQUIRE(f);
  CHECK(*f == (SASL_SEC_NOANONYMOUS | SASL_SEC_NOPLAINTEXT));
  auto none = mail::parse_sasl_security_options("x", "");
  REQUIRE(none);
  CHECK(*none == 0);
  auto bad = mail::parse_sasl_security_options("smtp_sasl_security_options", "noanonymous bogus");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "unknown smtp_sasl_security_options value \"bogus\" in \"noanonymous bogus\"");
}

TEST_CASE("a SASL mechanism filter takes the first match, !negation, static: and tables",
          "[sasl_options]") {
  auto empty = mail::SaslMechanismFilter::create({});
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK(empty->accepts("CRAM-MD5"));

  auto f = mail::SaslMechanismFilter::create({"!login", "plain"});
  REQUIRE(f);
  CHECK(f->accepts("PLAIN"));
  CHECK_FALSE(f->accepts("LOGIN"));
  CHECK_FALSE(f->accepts("CRAM-MD5"));  // no match: excluded

  auto rest = mail::SaslMechanismFilter::create({"!gssapi", "static:all"});
  REQUIRE(rest);
  CHECK_FALSE(rest->accepts("GSSAPI"));
  CHECK(rest->accepts("SCRAM-SHA-256"));

  auto table = mail::SaslMechanismFilter::create({"inline:{PLAIN=yes}"});
  REQUIRE(table);
  CHECK(table->accepts("PLAIN"));
  CHECK_FALSE(table->accepts("LOGIN"));

  CHECK_FALSE(mail::SaslMechanismFilter::create({"nosuchtype:whatever"}));
}
