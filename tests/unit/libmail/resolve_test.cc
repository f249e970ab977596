// The resolver against rows answered by Postfix 3.7.11's own trivial-rewrite
// (run stand-alone with `trivial-rewrite -S` on a scratch main.cf with the
// same settings; see tests/data/resolve/README).
#include <catch.hpp>

#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/address_syntax.h"
#include "libmail/resolve.h"
#include "tests/support/paths.h"

namespace {

conf::Config base_config(const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  conf::Config config;
  config.set_override("myhostname", "mx.example.test");
  config.set_override("mydomain", "example.test");
  config.set_override("compatibility_level", "3.6");
  config.set_override("inet_interfaces", "127.0.0.1");
  for (const auto& [name, value] : extra) config.set_override(name, value);
  return config;
}

struct ResolveRow {
  const char* address;
  int flags;
  const char* transport;
  const char* nexthop;
  const char* recipient;
};

void check_rows(const mail::Resolver& resolver, const std::vector<ResolveRow>& rows) {
  for (const ResolveRow& row : rows) {
    INFO("address: \"" << row.address << "\"");
    mail::Resolved r = resolver.resolve_address(row.address);
    CHECK(r.flags == row.flags);
    CHECK(r.transport == row.transport);
    CHECK(r.nexthop == row.nexthop);
    CHECK(r.recipient == row.recipient);
  }
}

constexpr int kLocal = mail::kResolveClassLocal;
constexpr int kDefault = mail::kResolveClassDefault;
constexpr int kRouted = mail::kResolveFlagRouted;

}  // namespace

TEST_CASE("rewrite in the local context qualifies, strips routes and swaps bang paths",
          "[resolve]") {
  mail::Resolver resolver(base_config());
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"user", "user@mx.example.test"},
      {"", ""},
      {"@a,@b:user@c", "user@c"},
      {"\"a b\"@x", "\"a b\"@x"},
      {"a!b!c", "b!c@a"},
      {"u%h", "u@h"},
      {"u@host", "u@host"},
      {"u@host.", "u@host"},
      {"\"a\"", "a@mx.example.test"},
      {"u@[1.2.3.4].", "u@[1.2.3.4]"},
      {"u@h..", "u@h.."},
  };
  for (const auto& [in, want] : rows) {
    INFO("address: \"" << in << "\"");
    CHECK(resolver.rewrite_address(in, mail::RewriteContext::kLocal) == want);
  }
}

TEST_CASE("rewrite appends .$mydomain to dotless hosts when append_dot_mydomain is on",
          "[resolve]") {
  mail::Resolver resolver(
      base_config({{"append_dot_mydomain", "yes"}, {"myorigin", "$mydomain"}}));
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"u@host", "u@host.example.test"},
      {"u", "u@example.test"},
      {"u@[1.2.3.4]", "u@[1.2.3.4]"},
      {"u@host.sub", "u@host.sub"},
      {"\"a@b\"", "\"a@b\"@example.test"},
      {"@", "\"\""},
      {"u@h.", "u@h"},
      {"U@HOST", "U@HOST.example.test"},
      {"<u>", "\"<u>\"@example.test"},
  };
  for (const auto& [in, want] : rows) {
    INFO("address: \"" << in << "\"");
    CHECK(resolver.rewrite_address(in, mail::RewriteContext::kLocal) == want);
  }
}

TEST_CASE("rewrite in the remote context changes nothing without remote_header_rewrite_domain",
          "[resolve]") {
  mail::Resolver resolver(base_config());
  CHECK(resolver.rewrite_address("user", mail::RewriteContext::kRemote) == "user");
  CHECK(resolver.rewrite_address("u@host", mail::RewriteContext::kRemote) == "u@host");
  mail::Resolver with_domain(base_config({{"remote_header_rewrite_domain", "domain.invalid"}}));
  CHECK(with_domain.rewrite_address("user", mail::RewriteContext::kRemote) ==
        "user@domain.invalid");
}

TEST_CASE("resolve puts each address in Postfix's class with its transport and next hop",
          "[resolve]") {
  mail::Resolver resolver(base_config());
  check_rows(resolver, {
      {"user", kLocal, "local", "mx.example.test", "user@mx.example.test"},
      {"", kLocal, "local", "mx.example.test", "MAILER-DAEMON@mx.example.test"},
      {"u@mx.example.test", kLocal, "local", "mx.example.test", "u@mx.example.test"},
      {"U@MX.Example.Test", kLocal, "local", "mx.example.test", "U@MX.Example.Test"},
      {"u@mx.example.test.", kLocal, "local", "mx.example.test", "u@mx.example.test"},
      {"u@localhost", kLocal, "local", "mx.example.test", "u@localhost"},
      {"u@localhost.example.test", kLocal, "local", "mx.example.test",
       "u@localhost.example.test"},
      {"u@[127.0.0.1]", kLocal, "local", "mx.example.test", "u@[127.0.0.1]"},
      {"postmaster", kLocal, "local", "mx.example.test", "postmaster@mx.example.test"},
      {"\"quoted user\"", kLocal, "local", "mx.example.test",
       "\"quoted user\"@mx.example.test"},
      {"u@example.org", kDefault, "smtp", "example.org", "u@example.org"},
      {"u@localhost.localdomain", kDefault, "smtp", "localhost.localdomain",
       "u@localhost.localdomain"},
      {"u@[1.2.3.4]", kDefault, "smtp", "[1.2.3.4]", "u@[1.2.3.4]"},
      {"u@123.org", kDefault, "smtp", "123.org", "u@123.org"},
      {"u@a_b.org", kDefault, "smtp", "a_b.org", "u@a_b.org"},
      {"@example.org", kDefault, "smtp", "example.org", "@example.org"},
      {"\"a b\"@example.org", kDefault, "smtp", "example.org", "\"a b\"@example.org"},
  });
}

TEST_CASE("resolve strips our own domain while the local part routes elsewhere", "[resolve]") {
  mail::Resolver resolver(base_config());
  check_rows(resolver, {
      {"u%v@mx.example.test", kDefault, "smtp", "v", "u@v"},
      {"host!user", kDefault, "smtp", "host", "user@host"},
      {"a!b@mx.example.test", kDefault, "smtp", "a", "b@a"},
      {"u@v@mx.example.test", kDefault, "smtp", "v", "u@v"},
      {"u%v%w", kDefault | kRouted, "smtp", "w", "u%v@w"},
      {"u%v@example.org", kDefault | kRouted, "smtp", "example.org", "u%v@example.org"},
      {"@a,@b:u@c", kDefault | kRouted, "smtp", "c", "@a,@b:u@c"},
  });
}

TEST_CASE("without bang path and percent hack those operators stay and mark the address routed",
          "[resolve]") {
  mail::Resolver resolver(base_config({{"append_at_myorigin", "no"},
                                       {"swap_bangpath", "no"},
                                       {"allow_percent_hack", "no"}}));
  CHECK(resolver.rewrite_address("u", mail::RewriteContext::kLocal) == "u");
  CHECK(resolver.rewrite_address("a!b", mail::RewriteContext::kLocal) == "a!b");
  CHECK(resolver.rewrite_address("u%h", mail::RewriteContext::kLocal) == "u%h");
  check_rows(resolver, {
      {"a!b", kLocal | kRouted, "local", "mx.example.test", "a!b@mx.example.test"},
      {"u%h@mx.example.test", kLocal | kRouted, "local", "mx.example.test",
       "u%h@mx.example.test"},
      {"u%h", kLocal | kRouted, "local", "mx.example.test", "u%h@mx.example.test"},
  });
  mail::Resolver remote(base_config({{"remote_header_rewrite_domain", "domain.invalid"},
                                     {"append_dot_mydomain", "yes"}}));
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"a!b", "b@a.domain.invalid"}, {"u%h", "u@h.domain.invalid"},
      {"u@host", "u@host.domain.invalid"}, {"@a:u@c", "u@c.domain.invalid"},
      {"u@h.", "u@h"}, {"@", "\"\""},
  };
  for (const auto& [in, want] : rows) {
    INFO("address: \"" << in << "\"");
    CHECK(remote.rewrite_address(in, mail::RewriteContext::kRemote) == want);
  }
}

TEST_CASE("resolve flags malformed domains as errors", "[resolve]") {
  mail::Resolver resolver(base_config());
  for (const char* bad : {"u@", "u@mx.example.test..", "u@.example.org", "u@1.2.3.4", "u@1.2.3", "u@1.2.3.4.5", "u@exa mple.org",
                          "u@-a.org", "u@a..org", "u@[foo]"}) {
    INFO("address: " << bad);
    mail::Resolved r = resolver.resolve_address(bad);
    CHECK(r.flags == (mail::kResolveFlagError | kDefault));
    CHECK(r.recipient == bad);
  }
}

TEST_CASE("transport_maps override the transport, the next hop, or both", "[resolve]") {
  const std::string table = "texthash:" + test::data_file("resolve/transport");
  mail::Resolver resolver(base_config({{"transport_maps", table}}));
  check_rows(resolver, {
      {"a@special.org", kDefault, "relay", "[mx.special.org]:2525", "a@special.org"},
      {"a@nh.org", kDefault, "smtp", "[gw.example]", "a@nh.org"},
      {"a@tr.org", kDefault, "lmtp", "tr.org", "a@tr.org"},
      {"a@empty.org", kDefault, "smtp", "empty.org", "a@empty.org"},
      {"u@full.org", kDefault, "discard", "gone", "u@full.org"},
      {"v@full.org", kDefault, "smtp", "full.org", "v@full.org"},
      {"a@x.parent.org", kDefault, "smtp", "parenthop", "a@x.parent.org"},
      {"a@parent.org", kDefault, "smtp", "parent.org", "a@parent.org"},
      {"user+ext@ext.org", kDefault, "error", "4.3.2 extension text", "user+ext@ext.org"},
      {"user+foo@ext.org", kDefault, "smtp", "ext.org", "user+foo@ext.org"},
      {"user@ext.org", kDefault, "error", "plain", "user@ext.org"},
      {"u@mx.example.test", kLocal, "local", "mx.example.test", "u@mx.example.test"},
  });
  mail::Resolver with_delimiter(
      base_config({{"transport_maps", table}, {"recipient_delimiter", "+"}}));
  check_rows(with_delimiter, {
      {"user+foo@ext.org", kDefault, "error", "plain", "user+foo@ext.org"},
      {"user+ext@ext.org", kDefault, "error", "4.3.2 extension text", "user+ext@ext.org"},
  });
}

TEST_CASE("relay, virtual and interface-address classes follow their parameters",
          "[resolve]") {
  mail::Resolver resolver(base_config({{"relay_domains", "relay.org"},
                                       {"relayhost", "[smart.example]:587"},
                                       {"virtual_alias_domains", "valias.org"},
                                       {"virtual_mailbox_domains", "vmbox.org"},
                                       {"local_transport", "local"},
                                       {"proxy_interfaces", "192.0.2.7"}}));
  check_rows(resolver, {
      {"a@relay.org", mail::kResolveClassRelay, "relay", "[smart.example]:587", "a@relay.org"},
      {"a@sub.relay.org", mail::kResolveClassRelay, "relay", "[smart.example]:587",
       "a@sub.relay.org"},
      {"a@other.org", kDefault, "smtp", "[smart.example]:587", "a@other.org"},
      {"a@valias.org", mail::kResolveClassAlias, "error",
       "5.1.1 User unknown in virtual alias table", "a@valias.org"},
      {"a@vmbox.org", mail::kResolveClassVirtual, "virtual", "vmbox.org", "a@vmbox.org"},
      {"a@mx.example.test", kLocal, "local", "mx.example.test", "a@mx.example.test"},
      {"a@[127.0.0.1]", kLocal, "local", "[127.0.0.1]", "a@[127.0.0.1]"},
      {"a@[127.0.0.2]", kDefault, "smtp", "[smart.example]:587", "a@[127.0.0.2]"},
      {"a@[192.0.2.7]", kLocal, "local", "[192.0.2.7]", "a@[192.0.2.7]"},
      {"a", kLocal, "local", "mx.example.test", "a@mx.example.test"},
      {"a@[IPv6:::1]", kDefault, "smtp", "[smart.example]:587", "a@[IPv6:::1]"},
  });
}

TEST_CASE("a transport's own next hop wins over relayhost; '*' and the domain key apply to "
          "every class but virtual alias", "[resolve]") {
  const std::string table = "inline:{{valias.org=smtp:x}, {tr.org=lmtp:}, {*=:[star]}, "
                            "{mx.example.test=:y}}";
  mail::Resolver resolver(base_config({{"transport_maps", table},
                                       {"virtual_alias_domains", "valias.org"},
                                       {"relayhost", "[smart]"},
                                       {"default_transport", "smtp:[dflt]"},
                                       {"relay_domains", "relay.org"},
                                       {"relay_transport", "relay:"}}));
  check_rows(resolver, {
      {"a@valias.org", mail::kResolveClassAlias, "error",
       "5.1.1 User unknown in virtual alias table", "a@valias.org"},
      {"a@tr.org", kDefault, "lmtp", "tr.org", "a@tr.org"},
      {"a@zz.org", kDefault, "smtp", "[star]", "a@zz.org"},
      {"a@relay.org", mail::kResolveClassRelay, "relay", "[star]", "a@relay.org"},
      {"b@mx.example.test", kLocal, "local", "y", "b@mx.example.test"},
  });
  mail::Resolver plain(base_config({{"virtual_alias_domains", "valias.org"},
                                    {"relayhost", "[smart]"},
                                    {"default_transport", "smtp:[dflt]"},
                                    {"relay_domains", "relay.org"},
                                    {"relay_transport", "relay:"}}));
  check_rows(plain, {
      {"a@relay.org", mail::kResolveClassRelay, "relay", "[smart]", "a@relay.org"},
      {"a@zz.org", kDefault, "smtp", "[dflt]", "a@zz.org"},
  });
  mail::Resolver new_transport(base_config(
      {{"transport_maps", "inline:{{x.org=smtp:}, {empty.org=:}, {localhost=local:}}"},
       {"relayhost", "[smart]"}}));
  check_rows(new_transport, {
      {"a@x.org", kDefault, "smtp", "x.org", "a@x.org"},
      {"a@empty.org", kDefault, "smtp", "[smart]", "a@empty.org"},
      {"a@localhost", kLocal, "local", "localhost", "a@localhost"},
      {"a@y.org", kDefault, "smtp", "[smart]", "a@y.org"},
  });
}

TEST_CASE("an error or retry transport_maps entry without a reason says the address is "
          "undeliverable", "[resolve]") {
  mail::Resolver resolver(base_config(
      {{"transport_maps", "inline:{{plain.example=error:}, {r.example=retry:}, "
                          "{d.example=discard:}, {n.example=error}}"}}));
  check_rows(resolver, {
      {"e@plain.example", kDefault, "error", "Address is undeliverable", "e@plain.example"},
      {"e@r.example", kDefault, "retry", "Address is undeliverable", "e@r.example"},
      {"e@d.example", kDefault, "discard", "d.example", "e@d.example"},
      {"e@n.example", kDefault, "error", "Address is undeliverable", "e@n.example"},
  });
  // Class transports named error/retry keep the domain as next hop.
  mail::Resolver classes(base_config({{"default_transport", "error"},
                                      {"relay_domains", "r.example"},
                                      {"relay_transport", "retry"}}));
  check_rows(classes, {
      {"e@x.example", kDefault, "error", "x.example", "e@x.example"},
      {"e@r.example", mail::kResolveClassRelay, "retry", "r.example", "e@r.example"},
  });
}

TEST_CASE("an unreadable transport table makes resolution fail temporarily", "[resolve]") {
  mail::Resolver resolver(base_config({{"transport_maps", "hash:/nonexistent/transport"}}));
  mail::Resolved r = resolver.resolve_address("u@example.org");
  CHECK((r.flags & mail::kResolveFlagFail) != 0);
  CHECK((r.flags & mail::kResolveFlagError) == 0);
}

TEST_CASE("is_local_domain knows mydestination and our interface literals", "[resolve]") {
  mail::Resolver resolver(base_config({{"mydestination", "$myhostname, localhost, other.test"}}));
  CHECK(resolver.is_local_domain("mx.example.test"));
  CHECK(resolver.is_local_domain("MX.EXAMPLE.TEST"));
  CHECK(resolver.is_local_domain("other.test"));
  CHECK(resolver.is_local_domain("[127.0.0.1]"));
  CHECK_FALSE(resolver.is_local_domain("[127.0.0.2]"));
  CHECK_FALSE(resolver.is_local_domain("sub.other.test"));
  CHECK_FALSE(resolver.is_local_domain(""));
}

TEST_CASE("address helpers honour quotes", "[resolve]") {
  CHECK(mail::find_domain_at("\"a@b\"@c") == 5);
  CHECK(mail::find_domain_at("\"a@b\"") == std::string::npos);
  CHECK(*mail::strip_source_route("@a:u@b") == "u@b");
  CHECK(!mail::strip_source_route("u@b"));
  CHECK(mail::valid_mail_domain("[IPv6:2001:db8::1]", false));
  CHECK_FALSE(mail::valid_mail_domain("[IPv6:1.2.3.4.5]", false));
  CHECK(mail::valid_mail_domain("1.2.3.4", true));
}
