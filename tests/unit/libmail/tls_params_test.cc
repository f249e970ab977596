// mail::tls_cipher_list and mail::tls_eecdh_groups: Postfix's grades to
// OpenSSL strings, checked against the defaults Postfix 3.7 documents
// (postconf -d) and an OpenSSL context that must accept the result.
#include "libmail/tls_params.h"

#include <catch.hpp>

#include "libutil/tls.h"
#include "tests/support/cert_maker.h"
#include "tests/support/temp_dir.h"

TEST_CASE("TLS cipher grades map through tls_<grade>_cipherlist plus exclusions", "[tls]") {
  conf::Config config;
  auto medium = mail::tls_cipher_list(config, "smtpd_tls_ciphers", "medium", {});
  REQUIRE(medium);
  CHECK(*medium == "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH");
  auto high = mail::tls_cipher_list(config, "smtpd_tls_mandatory_ciphers", "high", {"MD5", "CBC"});
  REQUIRE(high);
  CHECK(*high == "aNULL:-aNULL:HIGH:@STRENGTH:!MD5:!CBC");
  config.set_override("tls_high_cipherlist", "ECDHE+AESGCM");
  high = mail::tls_cipher_list(config, "smtpd_tls_ciphers", "high", {});
  REQUIRE(high);
  CHECK(*high == "ECDHE+AESGCM");
  auto bad = mail::tls_cipher_list(config, "smtpd_tls_ciphers", "best", {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "invalid smtpd_tls_ciphers value: \"best\"");

  // OpenSSL takes every default grade.
  test::TempDir dir;
  auto cert = test::make_self_signed(dir, "server", "mx.example.test");
  conf::Config defaults;
  for (const char* grade : {"export", "low", "medium", "high", "null"}) {
    auto list = mail::tls_cipher_list(defaults, "smtpd_tls_ciphers", grade, {"aNULL"});
    REQUIRE(list);
    util::TlsServerSettings s;
    s.cert_file = cert.cert;
    s.key_file = cert.key;
    s.ciphers = *list;
    s.protocols = ">=TLSv1.2";
    auto ctx = util::TlsContext::server(s);
    INFO(grade << ": " << (ctx ? "" : ctx.error().message));
    CHECK((ctx || std::string(grade) == "null"));  // null needs eNULL at seclevel 0
  }
}

TEST_CASE("TLS eecdh grades map to key-exchange group lists", "[tls]") {
  conf::Config config;
  auto groups = mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", "auto");
  REQUIRE(groups);
  CHECK(*groups == "X25519:X448:prime256v1:secp521r1:secp384r1");
  groups = mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", "strong");
  REQUIRE(groups);
  CHECK(*groups == "prime256v1");
  groups = mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", "ultra");
  REQUIRE(groups);
  CHECK(*groups == "secp384r1");
  groups = mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", "none");
  REQUIRE(groups);
  CHECK(groups->empty());
  CHECK_FALSE(mail::tls_eecdh_groups(config, "smtpd_tls_eecdh_grade", "extreme"));
}
