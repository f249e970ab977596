// The access-map search order of compat/tables.md §5, on a real hash: table
// built through util::dict_open, plus the variants the table does not show
// (no parent matching, recipient_delimiter, pattern tables, table errors).
#include <catch.hpp>

#include <utility>
#include <vector>

#include "libmail/access_lookup.h"
#include "libutil/dict.h"
#include "tests/support/temp_dir.h"

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

const Entries kRaccess = {
    {"full@sub.example.net", "REJECT matched full address"},
    {"sub.example.net", "REJECT matched domain"},
    {"example.net", "REJECT matched parent domain"},
    {"lpart@", "REJECT matched localpart@"},
    {"@example.org", "REJECT matched at-domain"},
    {".example.com", "REJECT matched dot-parent"},
};

// Builds hash:DIR/raccess the way postmap does and opens it for reading.
std::unique_ptr<util::Dict> build_hash(const test::TempDir& dir, const Entries& entries) {
  const std::string name = "hash:" + dir.file("raccess");
  util::DictOpenOptions create;
  create.create = true;
  {
    auto table = util::dict_open(name, create);
    REQUIRE(table.has_value());
    for (const auto& [key, value] : entries) REQUIRE((*table)->update(key, value).has_value());
    REQUIRE((*table)->commit().has_value());
  }
  auto table = util::dict_open(name);
  REQUIRE(table.has_value());
  return std::move(*table);
}

std::string search(util::Dict& table, std::string_view address,
                   const mail::AccessLookupOptions& options = {}) {
  auto r = mail::access_lookup_address(table, address, options);
  REQUIRE(r.has_value());
  if (!*r) return "not matched";
  return (*r)->value;
}

}  // namespace

TEST_CASE("access maps try user@domain, domain, parent domains, then user@", "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  CHECK(search(*t, "full@sub.example.net") == "REJECT matched full address");
  CHECK(search(*t, "other@sub.example.net") == "REJECT matched domain");
  CHECK(search(*t, "x@deeper.sub.example.net") == "REJECT matched domain");
  CHECK(search(*t, "x@example.net") == "REJECT matched parent domain");
  CHECK(search(*t, "lpart@sub.example.net") == "REJECT matched domain");
  CHECK(search(*t, "LPART@Deeper.SUB.Example.NET") == "REJECT matched domain");
  CHECK(search(*t, "lpart@anything.example") == "REJECT matched localpart@");
}

TEST_CASE("access maps ignore extensions without recipient_delimiter and never use @domain",
          "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  CHECK(search(*t, "lpart+ext@anything.example") == "not matched");
  CHECK(search(*t, "y@example.org") == "not matched");
}

TEST_CASE("access maps ignore .domain keys when parent domains match subdomains", "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  CHECK(search(*t, "y@www.example.com") == "not matched");
  CHECK(search(*t, "y@example.com") == "not matched");
}

TEST_CASE("without parent matching access maps try .parent keys instead of bare parents",
          "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  mail::AccessLookupOptions strict;
  strict.parent_domain_matches_subdomains = false;
  CHECK(search(*t, "y@www.example.com", strict) == "REJECT matched dot-parent");
  CHECK(search(*t, "y@example.com", strict) == "not matched");
  CHECK(search(*t, "x@example.net", strict) == "REJECT matched parent domain");
  CHECK(search(*t, "x@deeper.sub.example.net", strict) == "not matched");
}

TEST_CASE("recipient_delimiter adds the unextended address and local part", "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  mail::AccessLookupOptions plus;
  plus.recipient_delimiter = "+-";
  CHECK(search(*t, "full+foo@sub.example.net", plus) == "REJECT matched full address");
  CHECK(search(*t, "lpart+ext@anything.example", plus) == "REJECT matched localpart@");
  CHECK(search(*t, "lpart-ext@anything.example", plus) == "REJECT matched localpart@");
  CHECK(mail::strip_address_extension("user+a+b", "+") == "user");
  CHECK_FALSE(mail::strip_address_extension("postmaster", "+").has_value());
  CHECK_FALSE(mail::strip_address_extension("owner-list", "-").has_value());
  CHECK_FALSE(mail::strip_address_extension("list-request", "-").has_value());
  CHECK_FALSE(mail::strip_address_extension("user+ext", "").has_value());
}

TEST_CASE("the key that matched is reported with the value", "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, kRaccess);
  auto r = mail::access_lookup_address(*t, "x@Deeper.Sub.Example.NET", {});
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  REQUIRE((*r)->key == "sub.example.net");
}

TEST_CASE("domain and client-address searches walk parents and octets", "[access]") {
  test::TempDir dir;
  auto t = build_hash(dir, {{"example.net", "OK parent"},
                            {"192.168", "REJECT net"},
                            {"2001:db8", "REJECT v6net"}});
  auto d = mail::access_lookup_domain(*t, "mx.Example.NET", {});
  REQUIRE(d.has_value());
  REQUIRE(d->has_value());
  CHECK((*d)->value == "OK parent");
  auto a = mail::access_lookup_client_address(*t, "192.168.7.9");
  REQUIRE(a.has_value());
  REQUIRE(a->has_value());
  CHECK((*a)->key == "192.168");
  auto miss = mail::access_lookup_client_address(*t, "192.169.7.9");
  REQUIRE(miss.has_value());
  CHECK_FALSE(miss->has_value());
  auto v6 = mail::access_lookup_client_address(*t, "2001:db8:1:2::5");
  REQUIRE(v6.has_value());
  REQUIRE(v6->has_value());
  CHECK((*v6)->key == "2001:db8");
}

TEST_CASE("pattern tables get only the full address, unfolded", "[access]") {
  test::TempDir dir;
  auto re = util::dict_open("regexp:" +
                            dir.write("re", "/^lpart@/i CASE\n/^sub\\.example\\.net$/ DOMAIN\n"));
  REQUIRE(re.has_value());
  CHECK(search(**re, "lpart@sub.example.net") == "CASE");
  CHECK(search(**re, "LPART@sub.example.net") == "not matched");
  // No domain-only lookup for pattern tables.
  CHECK(search(**re, "x@sub.example.net") == "not matched");
  auto cidr = util::dict_open("cidr:" + dir.write("cidr", "10.0.0.0/8 NET10\n"));
  REQUIRE(cidr.has_value());
  auto r = mail::access_lookup_client_address(**cidr, "10.1.2.3");
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->value == "NET10");
}

TEST_CASE("a table that cannot be searched is an error, not a miss", "[access]") {
  auto t = util::dict_open("fail:broken");
  REQUIRE(t.has_value());
  auto r = mail::access_lookup_address(**t, "user@example.com", {});
  REQUIRE_FALSE(r.has_value());
  auto d = mail::access_lookup_domain(**t, "example.com", {});
  REQUIRE_FALSE(d.has_value());
}
