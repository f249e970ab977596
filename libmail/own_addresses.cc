#include "libmail/own_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

#include "libutil/log.h"
#include "libutil/strings.h"

namespace mail {
namespace {

std::string sockaddr_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

void add_unique(std::vector<std::string>& out, std::string addr) {
  if (!addr.empty() && std::find(out.begin(), out.end(), addr) == out.end()) {
    out.push_back(std::move(addr));
  }
}

void add_interface_addresses(std::vector<std::string>& out) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    util::msg_warn("getifaddrs: cannot list interface addresses");
    return;
  }
  std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> guard(list, &::freeifaddrs);
  for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr != nullptr) add_unique(out, sockaddr_text(ifa->ifa_addr));
  }
}

void add_named(std::vector<std::string>& out, const std::string& item) {
  if (std::string ip = normalize_ip(item); !ip.empty()) {
    add_unique(out, std::move(ip));
    return;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(item.c_str(), nullptr, &hints, &res) != 0) {
    util::msg_warn("host or domain name not found: " + item);
    return;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, &::freeaddrinfo);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) add_unique(out, sockaddr_text(ai->ai_addr));
}

}  // namespace

std::string normalize_ip(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN] = "";
  if (::inet_pton(AF_INET, s.c_str(), buf) == 1) {
    ::inet_ntop(AF_INET, buf, out, sizeof out);
  } else if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    ::inet_ntop(AF_INET6, buf, out, sizeof out);
  }
  return out;
}

std::vector<std::string> own_addresses(const conf::Config& config) {
  std::vector<std::string> out;
  for (const char* name : {"inet_interfaces", "proxy_interfaces"}) {
    auto items = config.try_get_list(name);
    if (!items) {
      util::msg_warn(items.error().message);
      continue;
    }
    for (const std::string& item : *items) {
      if (util::iequals(item, "all")) {
        add_interface_addresses(out);
      } else if (util::iequals(item, "loopback-only")) {
        add_unique(out, "127.0.0.1");
        add_unique(out, "::1");
      } else {
        add_named(out, item);
      }
    }
  }
  return out;
}

}  // namespace mail
