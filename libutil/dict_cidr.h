// cidr: tables: "network/prefix result" rules for IPv4 and IPv6 client
// addresses, first match in file order wins (NOT longest prefix). Users: the
// registry in dict.cc (util::open_cidr_dict) and every "cidr:FILE" (smtpd
// client access maps, mynetworks via match lists).
// Easy to get wrong:
//  - "!pattern" matches addresses of the same family outside the network;
//    an IPv6 key never matches an IPv4 rule (::ffff:1.2.3.4 included), and a
//    key that is no address matches nothing.
//  - "[2001:db8::]/32", "[2001:db8::/32]" and the bare forms are the same;
//    a network with host bits set is rejected with a hint, not masked.
//  - "if PATTERN" ... "endif" blocks nest like in regexp: tables.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/dict_types.h"

namespace util {

// An address or network in binary form; also used by address match lists.
struct CidrNet {
  int family = 0;                      // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // network order, first 4 used for IPv4
  int prefix = 0;                      // mask length in bits

  bool contains(const CidrNet& addr) const;
};

// Parses a plain address ("1.2.3.4", "2001:db8::1"), no brackets, as a /32
// or /128. nullopt when it is not an address.
std::optional<CidrNet> parse_ip_address(std::string_view text);

// Parses a network pattern in any accepted form. On failure returns the
// complaint in Postfix's words, without the "skipping this rule" suffix
// (e.g. "bad mask length in \"1.2.3.4/40\"").
std::optional<CidrNet> parse_cidr_pattern(std::string_view text, std::string* complaint);

}  // namespace util
