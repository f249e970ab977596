// UNIX and TCP sockets, fd passing and credentials (socket.h).
#include "libutil/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace util {
namespace {

using Clock = std::chrono::steady_clock;

int sock_type(SocketType type) {
  return (type == SocketType::kStream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
}

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path)
    return fail("unix-domain name too long: " + path, ENAMETOOLONG);
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  return sun;
}

// Wait until `events` on fd or the deadline; kTimeout error on expiry.
Result<void> poll_until(int fd, short events, Clock::time_point deadline, const std::string& what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    struct pollfd p {fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return {};
    if (n == 0) return fail_kind(ErrorKind::kTimeout, what + ": timeout");
    if (errno != EINTR) return fail_errno("poll");
  }
}

// Non-blocking connect bounded by a deadline; the fd is blocking again after.
Result<void> connect_with_deadline(int fd, const sockaddr* sa, socklen_t len,
                                   Clock::time_point deadline, const std::string& what) {
  if (auto r = set_nonblocking(fd, true); !r) return r;
  int rc;
  // A UNIX socket whose backlog is full says EAGAIN at once instead of
  // connecting in the background: retry until the deadline.
  while ((rc = ::connect(fd, sa, len)) < 0 && (errno == EAGAIN || errno == EINTR)) {
    if (Clock::now() >= deadline) return fail_kind(ErrorKind::kTimeout, "connect to " + what + ": timeout");
    ::usleep(10000);
  }
  if (rc < 0) {
    if (errno != EINPROGRESS) return fail_errno("connect to " + what);
    if (auto r = poll_until(fd, POLLOUT, deadline, "connect to " + what); !r) return r;
    int err = 0;
    socklen_t elen = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) return fail_errno("getsockopt");
    if (err != 0) return fail_errno("connect to " + what, err);
  }
  return set_nonblocking(fd, false);
}

Result<SocketAddress> to_address(const sockaddr_storage& ss) {
  SocketAddress out;
  out.family = ss.ss_family;
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    out.address = buf;
    out.port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    out.address = buf;
    out.port = ntohs(sin6->sin6_port);
  } else if (ss.ss_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&ss);
    out.address = std::string(sun->sun_path, strnlen(sun->sun_path, sizeof sun->sun_path));
  } else {
    return fail("unsupported address family " + std::to_string(ss.ss_family));
  }
  return out;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { ::freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

Result<AddrInfoPtr> resolve(const std::string& host, const std::string& port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
  if (passive && host.empty()) hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return fail("host/service " + (host.empty() ? std::string("*") : host) + "/" + port +
                " not found: " + ::gai_strerror(rc));
  }
  return AddrInfoPtr(res);
}

}  // namespace

Result<void> set_nonblocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return fail_errno("fcntl F_GETFL");
  int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) < 0) return fail_errno("fcntl F_SETFL");
  return {};
}

Result<Fd> unix_listen(const std::string& path, int backlog, SocketType type, mode_t mode) {
  auto sun = unix_address(path);
  if (!sun) return std::unexpected(sun.error());
  Fd fd(::socket(AF_UNIX, sock_type(type), 0));
  if (!fd) return fail_errno("socket");
  // A socket file left by a previous run would make bind fail; master owns
  // the name, so remove whatever is there (but never a directory).
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*sun), sizeof *sun) < 0)
    return fail_errno("bind: " + path);
  if (::chmod(path.c_str(), mode) < 0) return fail_errno("fchmod socket " + path);
  if (type == SocketType::kStream && ::listen(fd.get(), backlog) < 0)
    return fail_errno("listen: " + path);
  return fd;
}

Result<Fd> unix_connect(const std::string& path, Timeout timeout, SocketType type) {
  auto sun = unix_address(path);
  if (!sun) return std::unexpected(sun.error());
  Fd fd(::socket(AF_UNIX, sock_type(type), 0));
  if (!fd) return fail_errno("socket");
  auto r = connect_with_deadline(fd.get(), reinterpret_cast<const sockaddr*>(&*sun), sizeof *sun,
                                 Clock::now() + timeout, path);
  if (!r) return std::unexpected(r.error());
  return fd;
}

Result<HostPort> split_host_port(std::string_view endpoint) {
  if (!endpoint.empty() && endpoint.front() == '[') {
    size_t close = endpoint.find(']');
    if (close == std::string_view::npos || close + 1 >= endpoint.size() ||
        endpoint[close + 1] != ':' || close + 2 == endpoint.size())
      return fail_kind(ErrorKind::kMalformed, "bad host:port syntax: " + std::string(endpoint));
    return HostPort{std::string(endpoint.substr(1, close - 1)),
                    std::string(endpoint.substr(close + 2))};
  }
  size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) {
    if (endpoint.empty()) return fail_kind(ErrorKind::kMalformed, "empty host:port");
    return HostPort{"", std::string(endpoint)};
  }
  if (endpoint.find(':') != colon || colon + 1 == endpoint.size())
    return fail_kind(ErrorKind::kMalformed, "bad host:port syntax: " + std::string(endpoint));
  return HostPort{std::string(endpoint.substr(0, colon)), std::string(endpoint.substr(colon + 1))};
}

Result<Fd> inet_listen(const std::string& endpoint, int backlog) {
  auto hp = split_host_port(endpoint);
  if (!hp) return std::unexpected(hp.error());
  auto ai = resolve(hp->host, hp->port, true);
  if (!ai) return std::unexpected(ai.error());
  const addrinfo* a = ai->get();
  Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
  if (!fd) return fail_errno("socket");
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  // Separate IPv4 and IPv6 sockets, as Postfix opens them.
  if (a->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) < 0) {
    return fail_errno("bind " + (hp->host.empty() ? std::string("0.0.0.0") : hp->host) +
                      " port " + hp->port);
  }
  if (::listen(fd.get(), backlog) < 0) return fail_errno("listen");
  return fd;
}

Result<Fd> inet_connect(const std::string& host, const std::string& port, Timeout timeout) {
  auto deadline = Clock::now() + timeout;
  auto ai = resolve(host, port, false);
  if (!ai) return std::unexpected(ai.error());
  Error last{"connect to " + host + ":" + port + ": no address", 0};
  for (const addrinfo* a = ai->get(); a != nullptr; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) return fail_errno("socket");
    auto r = connect_with_deadline(fd.get(), a->ai_addr, a->ai_addrlen, deadline,
                                   host + "[" + port + "]");
    if (r) return fd;
    last = r.error();
    if (last.kind == ErrorKind::kTimeout) break;
  }
  return std::unexpected(last);
}

Result<SocketAddress> local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    return fail_errno("getsockname");
  return to_address(ss);
}

Result<SocketAddress> peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    return fail_errno("getpeername");
  return to_address(ss);
}

Result<int> local_port(int fd) {
  auto a = local_address(fd);
  if (!a) return std::unexpected(a.error());
  return a->port;
}

Result<std::optional<Fd>> accept_nonblock(int listen_fd) {
  // Look first so a blocking listener does not block us; a connection that
  // is reset between poll and accept can still block it, which is why
  // processes sharing a listener make it non-blocking (see header).
  struct pollfd p {listen_fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (ready < 0) return fail_errno("poll");
  if (ready == 0) return std::optional<Fd>();
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      Fd owned(fd);
      if (auto r = set_nonblocking(fd, false); !r) return std::unexpected(r.error());
      return std::optional<Fd>(std::move(owned));
    }
    if (errno == EINTR) continue;
    // Errors that belong to the aborted connection, not the listener.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EPROTO)
      return std::optional<Fd>();
    return fail_errno("accept connection");
  }
}

Result<Fd> accept_with_timeout(int listen_fd, Timeout timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto w = poll_until(listen_fd, POLLIN, deadline, "accept"); !w)
      return std::unexpected(w.error());
    auto a = accept_nonblock(listen_fd);
    if (!a) return std::unexpected(a.error());
    if (*a) return std::move(**a);
  }
}

Result<std::pair<Fd, Fd>> socket_pair(SocketType type) {
  int sv[2];
  if (::socketpair(AF_UNIX, sock_type(type), 0, sv) < 0) return fail_errno("socketpair");
  return std::pair<Fd, Fd>(Fd(sv[0]), Fd(sv[1]));
}

Result<void> send_fd(int sock, int fd_to_pass) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &fd_to_pass, sizeof(int));
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return fail_errno("send file descriptor");
  }
}

Result<Fd> recv_fd(int sock, Timeout timeout) {
  if (auto w = poll_until(sock, POLLIN, Clock::now() + timeout, "receive file descriptor"); !w)
    return std::unexpected(w.error());
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail_errno("receive file descriptor");
  if (n == 0) return fail_kind(ErrorKind::kEof, "receive file descriptor: lost connection");
  if (msg.msg_flags & MSG_CTRUNC)
    return fail_kind(ErrorKind::kMalformed, "receive file descriptor: control data truncated");
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
        cm->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
      return Fd(fd);
    }
  }
  return fail_kind(ErrorKind::kMalformed, "receive file descriptor: no descriptor in message");
}

Result<PeerCredentials> peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return fail_errno("getsockopt SO_PEERCRED");
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

Result<void> unix_trigger(const std::string& path, std::string_view request, Timeout timeout) {
  auto fd = unix_connect(path, timeout);
  if (!fd) return std::unexpected(fd.error());
  auto deadline = Clock::now() + timeout;
  while (!request.empty()) {
    if (auto w = poll_until(fd->get(), POLLOUT, deadline, "write to " + path); !w) return w;
    ssize_t n = ::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return fail_errno("write to " + path);
    }
    request.remove_prefix(static_cast<size_t>(n));
  }
  // The terminating NUL goes in its own write, as Postfix's clients do.
  if (::send(fd->get(), "", 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
    return fail_errno("write to " + path);
  return {};
}

Result<Fd> fifo_listen(const std::string& path, mode_t mode) {
  if (::mkfifo(path.c_str(), mode) < 0 && errno != EEXIST) return fail_errno("mkfifo " + path);
  Fd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return fail_errno("open fifo " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return fail_errno("fstat " + path);
  if (!S_ISFIFO(st.st_mode)) return fail("open fifo " + path + ": not a fifo");
  if (::fchmod(fd.get(), mode) < 0) return fail_errno("fchmod " + path);
  return fd;
}

Result<void> fifo_trigger(const std::string& path, std::string_view request) {
  // O_NONBLOCK: with no reader open() fails with ENXIO instead of hanging.
  Fd fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return fail_errno("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0 || !S_ISFIFO(st.st_mode)) return fail("open " + path + ": not a fifo");
  ssize_t n = ::write(fd.get(), request.data(), request.size());
  if (n < 0) return fail_errno("write to " + path);
  return {};
}

}  // namespace util
