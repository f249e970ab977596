// cidr: tables against compat/tables.md §4 and Postfix's warnings for bad
// networks (observed with postmap -q cidr:FILE).
#include <catch.hpp>

#include <sys/socket.h>

#include "libutil/dict_cidr.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

std::unique_ptr<util::Dict> open_cidr(const test::TempDir& dir, const std::string& text) {
  auto dict = util::open_cidr_dict(dir.write("cidr", text), {});
  REQUIRE(dict.has_value());
  return std::move(*dict);
}

std::optional<std::string> query(util::Dict& dict, std::string_view key) {
  auto r = dict.lookup(key);
  REQUIRE(r.has_value());
  return *r;
}

const char kTable[] =
    "192.168.0.0/16 REJECT net16\n"
    "192.168.1.1 OK host\n"
    "!10.0.0.0/8 DUNNO notten\n"
    "[2001:db8::]/32 V6\n";

}  // namespace

TEST_CASE("cidr tables use the first match in file order, not the longest", "[tables]") {
  test::TempDir dir;
  auto d = open_cidr(dir, kTable);
  REQUIRE(d->is_pattern());
  REQUIRE(query(*d, "192.168.1.1") == "REJECT net16");
}

TEST_CASE("a negated cidr rule matches addresses outside the network", "[tables]") {
  test::TempDir dir;
  auto d = open_cidr(dir, kTable);
  REQUIRE(query(*d, "1.2.3.4") == "DUNNO notten");
  REQUIRE_FALSE(query(*d, "10.1.1.1").has_value());
}

TEST_CASE("cidr tables match IPv6 networks written in brackets", "[tables]") {
  test::TempDir dir;
  auto d = open_cidr(dir, kTable);
  REQUIRE(query(*d, "2001:db8::1") == "V6");
  REQUIRE(query(*d, "2001:DB8::5") == "V6");
  // The negated IPv4 rule does not match IPv6 addresses.
  REQUIRE_FALSE(query(*d, "2001:db9::1").has_value());
  // Keys are bare addresses: brackets or names match nothing.
  REQUIRE_FALSE(query(*d, "[2001:db8::1]").has_value());
  REQUIRE_FALSE(query(*d, "foo").has_value());
}

TEST_CASE("cidr patterns accept bracketed, bare and prefix forms", "[tables]") {
  test::TempDir dir;
  auto d = open_cidr(dir,
                     "[192.168.1.0]/24 A\n"
                     "[192.168.2.0/24] B\n"
                     "[1.2.3.4] C\n"
                     "1.2.4.4/032 D\n"
                     "[::1] E\n"
                     "2001:db8::/32 F\n"
                     "0.0.0.0/0 ALL4\n"
                     "::/0 ALL6\n");
  REQUIRE(query(*d, "192.168.1.5") == "A");
  REQUIRE(query(*d, "192.168.2.5") == "B");
  REQUIRE(query(*d, "1.2.3.4") == "C");
  REQUIRE(query(*d, "1.2.4.4") == "D");
  REQUIRE(query(*d, "::1") == "E");
  REQUIRE(query(*d, "2001:db8:1::1") == "F");
  REQUIRE(query(*d, "9.9.9.9") == "ALL4");
  // An IPv4-mapped IPv6 address is IPv6.
  REQUIRE(query(*d, "::ffff:1.2.3.4") == "ALL6");
}

TEST_CASE("cidr if/endif blocks and multi-word results", "[tables]") {
  test::TempDir dir;
  auto d = open_cidr(dir,
                     "if !1.2.3.0/24\n"
                     "5.5.5.5   X  Y  \n"
                     "endif\n"
                     "if 1.2.3.0/24\n"
                     "1.2.3.4 IN\n"
                     "  continued\n"
                     "endif\n");
  REQUIRE(query(*d, "5.5.5.5") == "X  Y");
  REQUIRE(query(*d, "1.2.3.4") == "IN  continued");
  REQUIRE_FALSE(query(*d, "1.2.3.5").has_value());
}

TEST_CASE("bad cidr rules are skipped with Postfix's warnings", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto d = open_cidr(dir,
                     "192.168.1.1/16 X\n"    // 1
                     "192.168.1.0/33 X\n"    // 2
                     "192.168.1 X\n"         // 3
                     "192.168.1.0/24\n"      // 4
                     "2001:db8::1/32 X\n"    // 5
                     "2001:db8::/129 X\n"    // 6
                     "1.2.3.4/x X\n"         // 7
                     "01.2.3.4 X\n"          // 8
                     "foo/8 X\n"             // 9
                     "[1.2.3.4]x X\n"        // 10
                     "[1.2.3.4 X\n"          // 11
                     "endif\n"               // 12
                     "!if 1.2.3.0/24\n"      // 13
                     "if 1.2.3.0/24\n"       // 14
                     "endif x\n"             // 15
                     "1.2.3.4 GOOD\n");      // 16
  const std::string p = "warning: cidr map " + dir.file("cidr") + ", line ";
  const std::vector<std::string> expected = {
      p + "1: non-null host address bits in \"192.168.1.1/16\", perhaps you should use "
          "\"192.168.0.0/16\" instead: skipping this rule",
      p + "2: bad mask length in \"192.168.1.0/33\": skipping this rule",
      p + "3: bad address pattern: \"192.168.1\": skipping this rule",
      p + "4: no lookup result: skipping this rule",
      p + "5: non-null host address bits in \"2001:db8::1/32\", perhaps you should use "
          "\"2001:db8::/32\" instead: skipping this rule",
      p + "6: bad mask length in \"2001:db8::/129\": skipping this rule",
      p + "7: bad mask value in \"1.2.3.4/x\": skipping this rule",
      p + "8: bad address pattern: \"01.2.3.4\": skipping this rule",
      p + "9: bad network value in \"foo/8\": skipping this rule",
      p + "10: garbage after \"[1.2.3.4]\": skipping this rule",
      p + "11: missing ']' character after \"[1.2.3.4\": skipping this rule",
      p + "12: ENDIF without IF: skipping this rule",
      p + "13: bad address pattern: \"if\": skipping this rule",
      p + "15: garbage after ENDIF: skipping this rule",
      p + "14: IF has no matching ENDIF",
  };
  REQUIRE(log.lines() == expected);
  REQUIRE(query(*d, "1.2.3.4") == "GOOD");
  REQUIRE_FALSE(query(*d, "1.2.4.4").has_value());
}

TEST_CASE("cidr networks contain exactly the addresses under their prefix", "[tables]") {
  std::string why;
  auto net = util::parse_cidr_pattern("10.1.0.0/15", &why);
  REQUIRE_FALSE(net.has_value());
  REQUIRE(why == "non-null host address bits in \"10.1.0.0/15\", perhaps you should use "
                 "\"10.0.0.0/15\" instead");
  net = util::parse_cidr_pattern("10.0.0.0/15", &why);
  REQUIRE(net.has_value());
  REQUIRE(net->family == AF_INET);
  REQUIRE(net->contains(*util::parse_ip_address("10.1.255.255")));
  REQUIRE_FALSE(net->contains(*util::parse_ip_address("10.2.0.0")));
  REQUIRE_FALSE(net->contains(*util::parse_ip_address("::ffff:10.1.0.1")));
}

TEST_CASE("a missing cidr file is an error naming the file", "[tables]") {
  auto d = util::open_cidr_dict("/nonexistent/cidr", {});
  REQUIRE_FALSE(d.has_value());
  REQUIRE(d.error().message == "open /nonexistent/cidr: No such file or directory");
}

TEST_CASE("cidr rules without an address are skipped and each ! toggles", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto d = open_cidr(dir, "if\n!\n!!1.2.3.4 DOUBLE\n! 1.2.3.4 OTHER\nendif\n");
  const std::string p = "warning: cidr map " + dir.file("cidr") + ", line ";
  REQUIRE(log.lines() == std::vector<std::string>{p + "1: no address pattern: skipping this rule",
                                                  p + "2: no address pattern: skipping this rule",
                                                  p + "5: ENDIF without IF: skipping this rule"});
  REQUIRE(query(*d, "1.2.3.4") == "DOUBLE");
  REQUIRE(query(*d, "1.2.3.5") == "OTHER");
}
