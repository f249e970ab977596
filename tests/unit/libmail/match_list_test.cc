// Postfix match lists (compat/config.md §3): domain lists as in
// mydestination/relay_domains and host/address lists as in mynetworks, with
// real files and real tables.
#include <catch.hpp>

#include "libmail/match_list.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

mail::MatchList parse(std::string_view value, bool parent = false,
                      const std::string& name = "relay_domains") {
  auto list = mail::MatchList::parse(value, {name, parent});
  REQUIRE(list.has_value());
  return std::move(*list);
}

bool domain(const mail::MatchList& list, std::string_view name) {
  auto r = list.match_domain(name);
  REQUIRE(r.has_value());
  return *r;
}

bool host(const mail::MatchList& list, std::string_view name, std::string_view addr) {
  auto r = list.match_host(name, addr);
  REQUIRE(r.has_value());
  return *r;
}

void build_hash(const std::string& path, const std::vector<std::pair<std::string, std::string>>& kv) {
  util::DictOpenOptions create;
  create.create = true;
  auto table = util::dict_open("hash:" + path, create);
  REQUIRE(table.has_value());
  for (const auto& [k, v] : kv) REQUIRE((*table)->update(k, v).has_value());
  REQUIRE((*table)->commit().has_value());
}

}  // namespace

TEST_CASE("list values split on commas and blanks but keep braces together", "[lists]") {
  CHECK(mail::split_match_list("a,b  c,\n\td, inline:{x=1, y=2},e") ==
        std::vector<std::string>{"a", "b", "c", "d", "inline:{x=1, y=2}", "e"});
}

TEST_CASE("domain lists match names case-insensitively", "[lists]") {
  auto list = parse("Example.COM, other.test");
  CHECK(domain(list, "example.com"));
  CHECK(domain(list, "OTHER.test"));
  CHECK_FALSE(domain(list, "example.org"));
}

TEST_CASE("parent domains match subdomains only when the list is named in "
          "parent_domain_matches_subdomains", "[lists]") {
  auto with = parse("example.com", true);
  CHECK(domain(with, "mx.example.com"));
  CHECK_FALSE(domain(with, "badexample.com"));
  auto without = parse("example.com", false);
  CHECK_FALSE(domain(without, "mx.example.com"));
  auto dotted = parse(".example.com", false);
  CHECK(domain(dotted, "mx.example.com"));
  CHECK_FALSE(domain(dotted, "example.com"));
  CHECK(mail::parent_domain_matches(
      "debug_peer_list,fast_flush_domains,mynetworks,relay_domains,smtpd_access_maps",
      "relay_domains"));
  CHECK_FALSE(mail::parent_domain_matches("relay_domains smtpd_access_maps", "mydestination"));
}

TEST_CASE("the first matching element wins and ! makes it a definite no", "[lists]") {
  auto list = parse("!bad.example.com, example.com", true);
  CHECK_FALSE(domain(list, "bad.example.com"));
  CHECK_FALSE(domain(list, "x.bad.example.com"));
  CHECK(domain(list, "good.example.com"));
  auto later = parse("example.com, !bad.example.com", true);
  CHECK(domain(later, "bad.example.com"));
}

TEST_CASE("a /file element supplies more elements, with comments", "[lists]") {
  test::TempDir dir;
  const std::string file =
      dir.write("dests", "filedom.test\n# a comment\n  \nfiledom2.test otherdom.test\n");
  auto list = parse("localhost, " + file);
  CHECK(list.size() == 4);
  CHECK(domain(list, "filedom.test"));
  CHECK(domain(list, "filedom2.test"));
  CHECK(domain(list, "otherdom.test"));
  CHECK_FALSE(domain(list, "comment"));
}

TEST_CASE("an unreadable /file element is an error", "[lists]") {
  auto list = mail::MatchList::parse("a.test, /nonexistent/dests", {"mydestination", false});
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().message == "open /nonexistent/dests: No such file or directory");
}

TEST_CASE("a type:table element matches when the domain is found", "[lists]") {
  test::TempDir dir;
  build_hash(dir.file("destmap"), {{"mapdom.test", "OK"}, {"parent.test", "whatever"}});
  auto list = parse("hash:" + dir.file("destmap"), true, "mydestination");
  CHECK(domain(list, "mapdom.test"));
  CHECK(domain(list, "MAPDOM.TEST"));
  CHECK(domain(list, "sub.parent.test"));
  CHECK_FALSE(domain(list, "other.test"));
  auto strict = parse("hash:" + dir.file("destmap"), false, "mydestination");
  CHECK_FALSE(domain(strict, "sub.parent.test"));
  auto inline_list = parse("inline:{a.test=1, b.test=2}");
  CHECK(domain(inline_list, "b.test"));
  CHECK_FALSE(domain(inline_list, "c.test"));
}

TEST_CASE("host lists match IPv4 and IPv6 networks in every written form", "[lists]") {
  auto nets = parse("127.0.0.0/8 [::1]/128 10.1.2.3 [2001:db8::]/32 [fe80::1] 192.168.0.0/16",
                    true, "mynetworks");
  CHECK(host(nets, "", "127.0.0.1"));
  CHECK(host(nets, "", "::1"));
  CHECK(host(nets, "", "10.1.2.3"));
  CHECK_FALSE(host(nets, "", "10.1.2.4"));
  CHECK(host(nets, "", "2001:db8:ffff::7"));
  CHECK(host(nets, "", "fe80::1"));
  CHECK(host(nets, "", "192.168.200.1"));
  CHECK_FALSE(host(nets, "", "::ffff:127.0.0.1"));
  CHECK_FALSE(host(nets, "", "8.8.8.8"));
}

TEST_CASE("host lists match client names, negations and cidr tables", "[lists]") {
  test::TempDir dir;
  const std::string cidr = dir.write("nets", "172.16.0.0/12 ok\n");
  auto list = parse("!10.0.0.66, 10.0.0.0/8, example.net, cidr:" + cidr, true, "mynetworks");
  CHECK_FALSE(host(list, "", "10.0.0.66"));
  CHECK(host(list, "", "10.0.0.65"));
  CHECK(host(list, "mail.Example.NET", "198.51.100.1"));
  CHECK(host(list, "", "172.20.1.1"));
  CHECK_FALSE(host(list, "unknown", "198.51.100.1"));
}

TEST_CASE("a malformed network in a host list is reported and never matches", "[lists]") {
  test::LogCapture log;
  auto list = parse("10.1.0.0/8, 192.168.1.1", true, "mynetworks");
  CHECK(log.contains("warning: mynetworks: non-null host address bits in \"10.1.0.0/8\""));
  CHECK_FALSE(host(list, "", "10.1.0.1"));
  CHECK(host(list, "", "192.168.1.1"));
}

TEST_CASE("a table that cannot be searched makes the match an error", "[lists]") {
  auto list = parse("fail:broken, example.com");
  CHECK_FALSE(list.match_domain("example.com").has_value());
  CHECK_FALSE(list.match_host("x", "1.2.3.4").has_value());
}
