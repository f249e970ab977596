// util sockets: UNIX stream/dgram and TCP endpoints, connect with a deadline,
// non-blocking accept, fd passing (SCM_RIGHTS) and peer credentials.
// master binds every master.cf endpoint with these; clients (postdrop poking
// pickup, smtpd talking to cleanup, the smtp client) connect with them.
// Easy to get wrong: every fd is created close-on-exec; a listening socket
// reaches a child only by ChildProcess dup2()ing it to fd 6. And "[::1]:25"
// keeps its brackets only in the text form: split_host_port removes them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "libutil/error.h"
#include "libutil/fd.h"

namespace util {

enum class SocketType { kStream, kDgram };
using Timeout = std::chrono::milliseconds;

// UNIX-domain endpoint: removes a stale socket file, binds, sets `mode`
// (master uses 0666 and relies on directory modes) and listens (stream).
Result<Fd> unix_listen(const std::string& path, int backlog, SocketType type = SocketType::kStream,
                       mode_t mode = 0666);
Result<Fd> unix_connect(const std::string& path, Timeout timeout,
                        SocketType type = SocketType::kStream);

struct HostPort {
  std::string host;  // "" for "any address"; IPv6 without brackets
  std::string port;  // number or service name ("smtp")
};
// "host:port", "[v6addr]:port", "port" (no colon: any address).
Result<HostPort> split_host_port(std::string_view endpoint);

// TCP listener on "host:port" / "[::1]:port" / "port"; port 0 picks a free
// port (tests read it back with local_port). Any-address means IPv4 0.0.0.0;
// use "[::]:port" for IPv6.
Result<Fd> inet_listen(const std::string& endpoint, int backlog);
Result<Fd> inet_connect(const std::string& host, const std::string& port, Timeout timeout);

struct SocketAddress {
  std::string address;  // numeric form: "127.0.0.1", "::1", or a UNIX path
  int port = 0;
  int family = 0;  // AF_INET, AF_INET6, AF_UNIX
};
Result<SocketAddress> local_address(int fd);
Result<SocketAddress> peer_address(int fd);
Result<int> local_port(int fd);

// One connection if one is waiting, std::nullopt if none (EAGAIN), error
// otherwise. The accepted fd is blocking (Stream deadlines govern it). With a
// listener shared by several processes (master's children all accept on fd
// 6) call set_nonblocking(listener, true) once so a lost race returns nullopt.
Result<std::optional<Fd>> accept_nonblock(int listen_fd);
// Wait up to `timeout` for a connection (kTimeout when none came).
Result<Fd> accept_with_timeout(int listen_fd, Timeout timeout);

Result<std::pair<Fd, Fd>> socket_pair(SocketType type = SocketType::kStream);
Result<void> set_nonblocking(int fd, bool on);

// Pass an open fd over a UNIX stream socket (one byte of payload rides along).
Result<void> send_fd(int sock, int fd_to_pass);
Result<Fd> recv_fd(int sock, Timeout timeout);

// Wake a trigger server as Postfix clients do: connect, write `request`,
// write one NUL byte in a second write, close. An EPIPE on the NUL (the
// server already hung up, as qmgr does) is not an error.
Result<void> unix_trigger(const std::string& path, std::string_view request, Timeout timeout);

// A FIFO endpoint (master.cf type "fifo"): created with `mode` if missing,
// opened read-write so it never reports EOF when writers come and go.
Result<Fd> fifo_listen(const std::string& path, mode_t mode);
// Write `request` to a FIFO without blocking when nobody listens.
Result<void> fifo_trigger(const std::string& path, std::string_view request);

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};
Result<PeerCredentials> peer_credentials(int fd);

}  // namespace util
