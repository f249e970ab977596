#include "smtpd/client_lookup.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "libutil/log.h"
#include "libutil/socket.h"
#include "smtpd/restriction_hostname.h"

namespace smtpd {
namespace {

std::string unmap(std::string addr) {
  if (addr.rfind("::ffff:", 0) == 0 && addr.find('.') != std::string::npos) addr.erase(0, 7);
  return addr;
}

// Postfix's TEMP_AI_ERROR: a failure that may go away by itself.
bool temporary(int gai_error) {
  return gai_error == EAI_AGAIN || gai_error == EAI_MEMORY || gai_error == EAI_SYSTEM;
}

std::string gai_text(int gai_error) {
  return gai_error == EAI_SYSTEM ? std::string(std::strerror(errno))
                                 : std::string(::gai_strerror(gai_error));
}

// Does `name` resolve back to `addr`? Warns as Postfix does when not.
PeerStatus forward_confirms(const std::string& name, const std::string& addr) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = addr.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res); rc != 0) {
    util::msg_warn("hostname " + name + " does not resolve to address " + addr + ": " +
                   gai_text(rc));
    return temporary(rc) ? PeerStatus::kTemp : PeerStatus::kForged;
  }
  bool found = false;
  for (addrinfo* p = res; p && !found; p = p->ai_next) {
    char host[NI_MAXHOST];
    if (::getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) ==
        0)
      found = unmap(host) == addr;
  }
  ::freeaddrinfo(res);
  if (!found) {
    util::msg_warn("hostname " + name + " does not resolve to address " + addr);
    return PeerStatus::kForged;
  }
  return PeerStatus::kOk;
}

}  // namespace

void lookup_client(int fd, bool lookup_names, ClientInfo& client) {
  if (auto peer = util::peer_address(fd)) {
    client.addr = unmap(peer->address);
    client.port = std::to_string(peer->port);
  } else {
    client.addr = "unknown";
    client.port = "unknown";
  }
  if (auto local = util::local_address(fd)) {
    client.server_addr = unmap(local->address);
    client.server_port = std::to_string(local->port);
  }
  client.name = "unknown";
  client.reverse_name = "unknown";
  client.name_status = client.reverse_name_status = PeerStatus::kPerm;
  if (!lookup_names) return;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return;
  char host[NI_MAXHOST];
  if (int rc = ::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, nullptr, 0,
                             NI_NAMEREQD);
      rc != 0) {
    client.name_status = client.reverse_name_status =
        temporary(rc) ? PeerStatus::kTemp : PeerStatus::kPerm;
    return;
  }
  // A numeric or malformed PTR answer is no name (it would let a client
  // pose as an address in access tables).
  if (valid_hostaddr(host)) {
    util::msg_warn("numeric hostname: " + std::string(host));
    return;
  }
  if (!valid_hostname(host)) return;
  client.reverse_name = host;
  client.reverse_name_status = PeerStatus::kOk;
  client.name_status = forward_confirms(host, client.addr);
  if (client.name_status == PeerStatus::kOk) client.name = host;
}

}  // namespace smtpd
