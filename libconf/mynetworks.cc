// The mynetworks default: the networks of this host's interfaces, in the form
// `postconf` prints ("127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64").
// Used through conf::compute_mynetworks (parameters.h).
// Easy to get wrong: all IPv4 networks come before all IPv6 ones (Postfix
// collects the two families separately), duplicates are dropped, and only the
// addresses named by inet_interfaces count.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "libconf/parameters.h"
#include "libutil/strings.h"

namespace conf {
namespace {

struct Address {
  int family = AF_INET;
  unsigned char bytes[16] = {};
  int prefix = 32;  // the interface's netmask length
};

int mask_length(const unsigned char* mask, int len) {
  int bits = 0;
  for (int i = 0; i < len; ++i)
    for (int b = 7; b >= 0; --b)
      if (mask[i] & (1 << b)) ++bits;
  return bits;
}

std::vector<Address> interface_addresses() {
  std::vector<Address> out;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return out;
  std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> list(raw, ::freeifaddrs);
  for (ifaddrs* ifa = raw; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP)) continue;
    Address a;
    if (ifa->ifa_addr->sa_family == AF_INET) {
      a.family = AF_INET;
      std::memcpy(a.bytes, &reinterpret_cast<sockaddr_in*>(ifa->ifa_addr)->sin_addr, 4);
      a.prefix = 32;
      if (ifa->ifa_netmask)
        a.prefix = mask_length(
            reinterpret_cast<unsigned char*>(&reinterpret_cast<sockaddr_in*>(ifa->ifa_netmask)->sin_addr), 4);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      a.family = AF_INET6;
      std::memcpy(a.bytes, &reinterpret_cast<sockaddr_in6*>(ifa->ifa_addr)->sin6_addr, 16);
      a.prefix = 128;
      if (ifa->ifa_netmask)
        a.prefix = mask_length(
            reinterpret_cast<unsigned char*>(&reinterpret_cast<sockaddr_in6*>(ifa->ifa_netmask)->sin6_addr),
            16);
    } else {
      continue;
    }
    out.push_back(a);
  }
  return out;
}

void apply_prefix(Address& a, int prefix) {
  int len = a.family == AF_INET ? 4 : 16;
  for (int i = 0; i < len; ++i) {
    int keep = std::clamp(prefix - i * 8, 0, 8);
    a.bytes[i] &= static_cast<unsigned char>(0xff << (8 - keep));
  }
  a.prefix = prefix;
}

std::string format(const Address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(a.family, a.bytes, text, sizeof(text));
  if (a.family == AF_INET) return std::string(text) + "/" + std::to_string(a.prefix);
  return "[" + std::string(text) + "]/" + std::to_string(a.prefix);
}

bool parse_address(std::string text, Address& out) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (::inet_pton(AF_INET, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), out.bytes) == 1) {
    out.family = AF_INET6;
    return true;
  }
  return false;
}

bool same_address(const Address& a, const Address& b) {
  int len = a.family == AF_INET ? 4 : 16;
  return a.family == b.family && std::memcmp(a.bytes, b.bytes, len) == 0;
}

}  // namespace

std::string compute_mynetworks(std::string_view style, std::string_view inet_interfaces,
                               std::string_view inet_protocols) {
  bool want4 = false;
  bool want6 = false;
  for (const std::string& p : util::split(util::lowercase(inet_protocols), ", \t\r\n")) {
    if (p == "all") want4 = want6 = true;
    if (p == "ipv4") want4 = true;
    if (p == "ipv6") want6 = true;
  }
  std::vector<Address> all = interface_addresses();
  std::vector<Address> chosen;
  std::vector<std::string> wanted = util::split(util::lowercase(inet_interfaces), ", \t\r\n");
  bool everything = std::find(wanted.begin(), wanted.end(), "all") != wanted.end();
  for (const Address& a : all) {
    bool take = everything;
    for (const std::string& w : wanted) {
      Address named;
      if (w == "loopback-only") {
        take = take || (a.family == AF_INET && a.bytes[0] == 127) ||
               (a.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(reinterpret_cast<const in6_addr*>(a.bytes)));
      } else if (parse_address(w, named) && same_address(named, a)) {
        take = true;
      }
    }
    if (take) chosen.push_back(a);
  }
  std::string lower_style = util::lowercase(util::trim(style));
  std::vector<std::string> nets;
  for (int family : {AF_INET, AF_INET6}) {
    if ((family == AF_INET && !want4) || (family == AF_INET6 && !want6)) continue;
    for (Address a : chosen) {
      if (a.family != family) continue;
      int prefix = a.prefix;
      if (lower_style == "host") {
        prefix = family == AF_INET ? 32 : 128;
      } else if (lower_style == "class" && family == AF_INET) {
        // Classful networks: A /8, B /16, C /24; multicast and above stay hosts.
        prefix = a.bytes[0] < 128 ? 8 : a.bytes[0] < 192 ? 16 : a.bytes[0] < 224 ? 24 : 32;
      }
      apply_prefix(a, prefix);
      std::string text = format(a);
      if (std::find(nets.begin(), nets.end(), text) == nets.end()) nets.push_back(text);
    }
  }
  std::string out;
  for (const std::string& n : nets) {
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

}  // namespace conf
