#include "smtpd/client_lookup.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "libutil/socket.h"

namespace smtpd {
namespace {

std::string unmap(std::string addr) {
  if (addr.rfind("::ffff:", 0) == 0 && addr.find('.') != std::string::npos) addr.erase(0, 7);
  return addr;
}

// Does `name` resolve back to `addr`?
bool forward_confirms(const std::string& name, const std::string& addr) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return false;
  bool found = false;
  for (addrinfo* p = res; p && !found; p = p->ai_next) {
    char host[NI_MAXHOST];
    if (::getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) ==
        0)
      found = unmap(host) == addr;
  }
  ::freeaddrinfo(res);
  return found;
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
  if (!lookup_names) return;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return;
  char host[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, nullptr, 0,
                    NI_NAMEREQD) != 0)
    return;
  client.reverse_name = host;
  if (forward_confirms(host, client.addr)) client.name = host;
}

}  // namespace smtpd
