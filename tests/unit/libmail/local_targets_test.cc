// Alias values, .forward and :include: files as lists of destinations.
#include <catch.hpp>
#include <string>

#include "libmail/local_targets.h"

using mail::LocalTargetType;

TEST_CASE("an alias value splits at commas outside quotes and classifies each entry",
          "[local]") {
  auto t = mail::parse_target_list(
      "joe, \"|/usr/bin/prog a, b\", /var/log/mail.log, :include:/etc/list, \\bob, "
      "Jane Doe <jane@example.org>, |/bin/cat > /tmp/x");
  REQUIRE(t.size() == 7);
  CHECK(t[0].type == LocalTargetType::kAddress);
  CHECK(t[0].value == "joe");
  CHECK(t[1].type == LocalTargetType::kCommand);
  CHECK(t[1].value == "/usr/bin/prog a, b");
  CHECK(t[2].type == LocalTargetType::kFile);
  CHECK(t[2].value == "/var/log/mail.log");
  CHECK(t[3].type == LocalTargetType::kInclude);
  CHECK(t[3].value == "/etc/list");
  CHECK(t[4].type == LocalTargetType::kMailbox);
  CHECK(t[4].value == "bob");
  CHECK(t[5].type == LocalTargetType::kAddress);
  CHECK(t[5].value == "jane@example.org");
  CHECK(t[6].type == LocalTargetType::kCommand);
  CHECK(t[6].value == "/bin/cat > /tmp/x");
}

TEST_CASE("a .forward file skips comment and blank lines and reads every entry", "[local]") {
  auto t = mail::parse_target_file(
      "# forward my mail\n"
      "\n"
      "me@example.org, \\joe\n"
      "  \"|/usr/bin/vacation joe\"\n");
  REQUIRE(t.size() == 3);
  CHECK(t[0].value == "me@example.org");
  CHECK(t[1].type == LocalTargetType::kMailbox);
  CHECK(t[2].type == LocalTargetType::kCommand);
  CHECK(t[2].value == "/usr/bin/vacation joe");
}

TEST_CASE("quoted local parts lose their quotes", "[local]") {
  auto t = mail::parse_target_list("\"john doe\"@example.org");
  REQUIRE(t.size() == 1);
  CHECK(t[0].value == "john doe@example.org");
}
