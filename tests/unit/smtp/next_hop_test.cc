#include "smtp/next_hop.h"

#include <catch.hpp>
#include <map>

using smtp::DnsStatus;
using smtp::Protocol;
using smtp::Settings;

namespace {

Settings smtp_settings() {
  Settings s;
  s.default_port = "smtp";
  return s;
}

Settings lmtp_settings() {
  Settings s;
  s.protocol = Protocol::kLmtp;
  s.prefix = "lmtp_";
  s.default_port = "24";
  return s;
}

// A resolver over fixed answers.
smtp::ResolverHooks fake(std::map<std::string, smtp::MxAnswer> mx,
                         std::map<std::string, smtp::AddrAnswer> addrs) {
  smtp::ResolverHooks h;
  h.mx = [mx](const std::string& d) {
    auto it = mx.find(d);
    return it == mx.end() ? smtp::MxAnswer{DnsStatus::kNotFound, {}} : it->second;
  };
  h.addresses = [addrs](const std::string& host) {
    auto it = addrs.find(host);
    return it == addrs.end() ? smtp::AddrAnswer{DnsStatus::kNotFound, {}} : it->second;
  };
  return h;
}

}  // namespace

TEST_CASE("next hops: domain, [host], [host]:port, host:port, inet: and unix:", "[smtp]") {
  auto s = smtp_settings();
  auto d = smtp::parse_next_hop("example.com", s);
  REQUIRE(d);
  CHECK(d->host == "example.com");
  CHECK(d->port == "smtp");
  CHECK_FALSE(d->no_mx);

  d = smtp::parse_next_hop("[smtp.example.com]:587", s);
  REQUIRE(d);
  CHECK(d->host == "smtp.example.com");
  CHECK(d->port == "587");
  CHECK(d->no_mx);

  d = smtp::parse_next_hop("example.com:2525", s);
  REQUIRE(d);
  CHECK(d->host == "example.com");
  CHECK(d->port == "2525");
  CHECK_FALSE(d->no_mx);

  d = smtp::parse_next_hop("[ipv6:::1]:25", s);
  REQUIRE(d);
  CHECK(d->host == "::1");

  d = smtp::parse_next_hop("127.0.0.1", s);
  REQUIRE(d);
  CHECK(d->no_mx);  // an address has no MX records

  auto l = lmtp_settings();
  d = smtp::parse_next_hop("unix:private/dovecot-lmtp", l);
  REQUIRE(d);
  CHECK(d->unix_socket);
  CHECK(d->path == "private/dovecot-lmtp");
  d = smtp::parse_next_hop("inet:mailstore.example.com", l);
  REQUIRE(d);
  CHECK(d->host == "mailstore.example.com");
  CHECK(d->port == "24");
  CHECK(d->no_mx);

  CHECK_FALSE(smtp::parse_next_hop("[unclosed", s));
  CHECK_FALSE(smtp::parse_next_hop("", s));
  CHECK_FALSE(smtp::parse_next_hop("unix:", l));
}

TEST_CASE("ports: numbers and the common service names", "[smtp]") {
  auto s = smtp_settings();
  CHECK(smtp::resolve_port("587", s) == 587);
  CHECK(smtp::resolve_port("smtp", s) == 25);
  CHECK_FALSE(smtp::resolve_port("70000", s));
  CHECK_FALSE(smtp::resolve_port("no-such-service", s));
}

TEST_CASE("MX hosts are tried in preference order with their addresses", "[smtp]") {
  auto s = smtp_settings();
  auto r = fake(
      {{"example.com", {DnsStatus::kOk, {{20, "mx2.example.com"}, {10, "mx1.example.com"}}}}},
      {{"mx1.example.com", {DnsStatus::kOk, {{AF_INET, "192.0.2.1"}}}},
       {"mx2.example.com", {DnsStatus::kOk, {{AF_INET, "192.0.2.2"}, {AF_INET6, "2001:db8::2"}}}}});
  auto look = smtp::lookup_destination(*smtp::parse_next_hop("example.com", s), s, r);
  REQUIRE_FALSE(look.failure);
  REQUIRE(look.targets.size() == 3);
  CHECK(look.targets[0].hostname == "mx1.example.com");
  CHECK(look.targets[0].address == "192.0.2.1");
  CHECK(look.targets[0].port == 25);
  CHECK(look.targets[1].hostname == "mx2.example.com");
  CHECK(look.targets[2].address == "2001:db8::2");
  CHECK(look.targets[2].family == AF_INET6);

  s.mx_address_limit = 2;
  look = smtp::lookup_destination(*smtp::parse_next_hop("example.com", s), s, r);
  CHECK(look.targets.size() == 2);
}

TEST_CASE("an MX host that is this machine: only better MX hosts, or a loop", "[smtp]") {
  auto s = smtp_settings();
  s.own_addresses = {"192.0.2.9"};
  auto r =
      fake({{"backup.example", {DnsStatus::kOk, {{10, "primary.example"}, {20, "me.example"}}}},
            {"ours.example", {DnsStatus::kOk, {{10, "me.example"}, {20, "other.example"}}}},
            {"lost.example", {DnsStatus::kOk, {{5, "gone.example"}, {10, "me.example"}}}}},
           {{"primary.example", {DnsStatus::kOk, {{AF_INET, "192.0.2.1"}}}},
            {"other.example", {DnsStatus::kOk, {{AF_INET, "192.0.2.2"}}}},
            {"me.example", {DnsStatus::kOk, {{AF_INET, "192.0.2.9"}}}},
            {"192.0.2.9", {DnsStatus::kOk, {{AF_INET, "192.0.2.9"}}}}});
  // We are the backup: the primary only, never ourselves.
  auto look = smtp::lookup_destination(*smtp::parse_next_hop("backup.example", s), s, r);
  REQUIRE_FALSE(look.failure);
  REQUIRE(look.targets.size() == 1);
  CHECK(look.targets[0].hostname == "primary.example");
  // We are the best MX: the mail would come back here (Postfix's 5.4.6).
  look = smtp::lookup_destination(*smtp::parse_next_hop("ours.example", s), s, r);
  CHECK(look.targets.empty());
  REQUIRE(look.failure);
  CHECK_FALSE(look.failure->soft);
  CHECK(look.failure->dsn == "5.4.6");
  CHECK(look.failure->text == "mail for ours.example loops back to myself");
  // A better MX without an address: maybe later (4.4.4).
  look = smtp::lookup_destination(*smtp::parse_next_hop("lost.example", s), s, r);
  REQUIRE(look.failure);
  CHECK(look.failure->soft);
  CHECK(look.failure->dsn == "4.4.4");
  CHECK(look.failure->text == "unable to find primary relay for lost.example");
  // [host] next hops are not MX routing: a content filter on our own address.
  look = smtp::lookup_destination(*smtp::parse_next_hop("[192.0.2.9]:10025", s), s, r);
  CHECK_FALSE(look.failure);
  CHECK(look.targets.size() == 1);
}

TEST_CASE("a domain without MX records is its own mail host; [host] skips MX", "[smtp]") {
  auto s = smtp_settings();
  auto r = fake({{"nomx.example", {DnsStatus::kNoData, {}}},
                 {"relay.example", {DnsStatus::kOk, {{10, "elsewhere.example"}}}}},
                {{"nomx.example", {DnsStatus::kOk, {{AF_INET, "192.0.2.9"}}}},
                 {"relay.example", {DnsStatus::kOk, {{AF_INET, "192.0.2.7"}}}}});
  auto look = smtp::lookup_destination(*smtp::parse_next_hop("nomx.example", s), s, r);
  REQUIRE(look.targets.size() == 1);
  CHECK(look.targets[0].address == "192.0.2.9");

  look = smtp::lookup_destination(*smtp::parse_next_hop("[relay.example]:587", s), s, r);
  REQUIRE(look.targets.size() == 1);
  CHECK(look.targets[0].address == "192.0.2.7");
  CHECK(look.targets[0].port == 587);

  // disable_dns_lookups: no MX either.
  s.dns_lookups = false;
  look = smtp::lookup_destination(*smtp::parse_next_hop("relay.example", s), s, r);
  REQUIRE(look.targets.size() == 1);
  CHECK(look.targets[0].address == "192.0.2.7");
}

TEST_CASE("lookup failures: try-again defers (4.4.3), not-found bounces (5.4.4)", "[smtp]") {
  auto s = smtp_settings();
  auto r = fake({{"slow.example", {DnsStatus::kTryAgain, {}}}}, {});
  auto look = smtp::lookup_destination(*smtp::parse_next_hop("slow.example", s), s, r);
  REQUIRE(look.failure);
  CHECK(look.failure->soft);
  CHECK(look.failure->dsn == "4.4.3");
  CHECK(look.failure->text ==
        "Host or domain name not found. Name service error for name=slow.example type=MX: Host "
        "not found, try again");

  look = smtp::lookup_destination(*smtp::parse_next_hop("gone.example", s), s, r);
  REQUIRE(look.failure);
  CHECK_FALSE(look.failure->soft);
  CHECK(look.failure->dsn == "5.4.4");
  CHECK(look.failure->text ==
        "Host or domain name not found. Name service error for name=gone.example type=MX: Host "
        "not found");

  look = smtp::lookup_destination(*smtp::parse_next_hop("[gone.example]", s), s, r);
  REQUIRE(look.failure);
  CHECK(look.failure->text.find("type=A: Host not found") != std::string::npos);
}

TEST_CASE("the system resolver finds numeric addresses without DNS", "[smtp]") {
  auto s = smtp_settings();
  auto look = smtp::lookup_destination(*smtp::parse_next_hop("[127.0.0.1]:2525", s), s,
                                       smtp::system_resolver());
  REQUIRE(look.targets.size() == 1);
  CHECK(look.targets[0].address == "127.0.0.1");
  CHECK(look.targets[0].port == 2525);
}
