// Address rewriting and resolution: what Postfix's trivial-rewrite does,
// as a library. cleanup rewrites envelope and header addresses to canonical
// form (rewrite_address); qmgr (and later smtpd) resolve a recipient to
// (transport, nexthop, recipient) (resolve_address). The trivial-rewrite
// daemon answers the `rewrite` service socket with the same code.
// Implementation: libmail/resolve.cc (+ helpers), owned with trivial-rewrite.
//
// Rewrite ("local" context): strip a source route, append_at_myorigin
// ("user" -> "user@$myorigin"), append_dot_mydomain ("user@host" ->
// "user@host.$mydomain"), swap_bangpath; "$myhostname"-style domains are not
// changed. "remote" context uses remote_header_rewrite_domain (empty: no
// change).
// Resolve: the domain picks the address class (Postfix ADDRESS_CLASS_README):
//   local    mydestination, inet_interfaces/proxy_interfaces addresses, [ip]
//            literal of ours -> local_transport ("local:$myhostname"), the
//            recipient with the domain kept;
//   virtual alias / virtual mailbox domains -> error:User unknown... /
//            virtual_transport;
//   relay    relay_domains -> relay_transport ("relay"), nexthop = domain
//            or relayhost;
//   default  anything else -> default_transport ("smtp"), nexthop =
//            relayhost or the domain;
// then transport_maps (full address, domain, .parent domains, "*") may
// override transport and/or nexthop; "transport:nexthop" strings split at
// the first ':'. A bare "user" is treated as local.
// Easy to get wrong: an unreadable table (transport_maps, relay_domains as
// a table) is a temporary failure: flag kResolveFail, and the caller defers;
// the nexthop of a local delivery is the domain (local logs relay=local).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "libconf/config.h"
#include "libutil/error.h"

namespace mail {

inline constexpr int kResolveFlagFinal = 1 << 0;     // this domain is ours (local class)
inline constexpr int kResolveFlagRouted = 1 << 1;    // user@domain had a source route / %
inline constexpr int kResolveFlagError = 1 << 2;     // malformed address
inline constexpr int kResolveFlagFail = 1 << 3;      // temporary lookup failure: defer
inline constexpr int kResolveClassLocal = 1 << 8;
inline constexpr int kResolveClassAlias = 1 << 9;    // virtual_alias_domains
inline constexpr int kResolveClassVirtual = 1 << 10; // virtual_mailbox_domains
inline constexpr int kResolveClassRelay = 1 << 11;
inline constexpr int kResolveClassDefault = 1 << 12;

struct Resolved {
  std::string transport;  // "local", "smtp", "error", "relay", ...
  std::string nexthop;    // "mx.example.test", "[smtp.example.com]:587", error text
  std::string recipient;  // the address to deliver to (canonical form)
  int flags = 0;
};

enum class RewriteContext { kLocal, kRemote };

class Resolver {
 public:
  // Opens the tables it needs (transport_maps, relay_domains, ...). Call
  // before chroot if tables live outside; lookups happen later.
  explicit Resolver(const conf::Config& config);
  ~Resolver();
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;

  std::string rewrite_address(std::string_view address, RewriteContext context) const;
  Resolved resolve_address(std::string_view address) const;
  // Is `domain` one of ours (the local class)? For smtpd/local.
  bool is_local_domain(std::string_view domain) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mail
