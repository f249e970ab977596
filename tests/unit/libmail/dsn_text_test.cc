#include <catch.hpp>

#include "libmail/dsn_text.h"

TEST_CASE("a reason text splits into its leading status code and the rest", "[dsn]") {
  auto a = mail::split_dsn_text("4.3.2 deferred transport", "5.0.0");
  CHECK(a.dsn == "4.3.2");
  CHECK(a.text == "deferred transport");
  auto b = mail::split_dsn_text("mailbox closed", "5.0.0");
  CHECK(b.dsn == "5.0.0");
  CHECK(b.text == "mailbox closed");
  auto c = mail::split_dsn_text("5.1.1x not a code", "5.0.0");
  CHECK(c.dsn == "5.0.0");
  CHECK(c.text == "5.1.1x not a code");
  auto d = mail::split_dsn_text("2.0.0", "5.0.0");
  CHECK(d.dsn == "2.0.0");
  CHECK(d.text.empty());
  auto e = mail::split_dsn_text("5.7.100   spaced", "4.0.0");
  CHECK(e.dsn == "5.7.100");
  CHECK(e.text == "spaced");
  auto f = mail::split_dsn_text("3.1.1 wrong class", "4.0.0");
  CHECK(f.dsn == "4.0.0");
}

TEST_CASE("valid_dsn accepts class 2, 4 and 5 with one to three digit parts", "[dsn]") {
  CHECK(mail::valid_dsn("5.0.0"));
  CHECK(mail::valid_dsn("4.123.456"));
  CHECK_FALSE(mail::valid_dsn("5.1234.0"));
  CHECK_FALSE(mail::valid_dsn("6.0.0"));
  CHECK_FALSE(mail::valid_dsn("5.0"));
  CHECK_FALSE(mail::valid_dsn(""));
}
