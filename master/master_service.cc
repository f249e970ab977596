#include "master/master_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "libutil/log.h"
#include "libutil/socket.h"

namespace master {
namespace {

constexpr int kBacklog = 100;

util::Result<util::Fd> open_fifo(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISFIFO(st.st_mode)) ::unlink(path.c_str());
  if (::mkfifo(path.c_str(), 0622) < 0 && errno != EEXIST) return util::fail_errno("mkfifo " + path);
  ::chmod(path.c_str(), 0622);
  // Read-write so the fifo never reports EOF when the last writer leaves.
  util::Fd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return util::fail_errno("open fifo " + path);
  return fd;
}

}  // namespace

util::Result<void> open_endpoint(Service& service, uid_t owner_uid, gid_t owner_gid) {
  const ServiceSpec& spec = service.spec;
  util::Result<util::Fd> fd = util::fail("unsupported service type: " + spec.type);
  if (spec.type == "inet") {
    fd = util::inet_listen(spec.endpoint, kBacklog);
  } else if (spec.type == "unix") {
    fd = util::unix_listen(spec.endpoint, kBacklog, util::SocketType::kStream, 0666);
  } else if (spec.type == "unix-dgram") {
    fd = util::unix_listen(spec.endpoint, kBacklog, util::SocketType::kDgram, 0666);
  } else if (spec.type == "fifo") {
    fd = open_fifo(spec.endpoint);
  }
  if (!fd) return std::unexpected(fd.error());
  if (spec.type != "inet" && ::chown(spec.endpoint.c_str(), owner_uid, owner_gid) < 0)
    util::msg_warn("chown " + spec.endpoint + ": " + std::strerror(errno));
  service.listen = std::move(*fd);

  if (spec.process_limit != 1) {
    // pid/unix.cleanup: children serialise accept() with an fcntl lock on it.
    std::string lock_path = "pid/" + spec.type + "." + spec.name;
    service.lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!service.lock) return util::fail_errno("open lock file " + lock_path);
  }
  return {};
}

util::Result<void> open_status_channel(Service& service, unsigned generation) {
  auto pair = util::socket_pair(util::SocketType::kStream);
  if (!pair) return std::unexpected(pair.error());
  service.status_master = std::move(pair->first);
  service.status_child = std::move(pair->second);
  (void)util::set_nonblocking(service.status_master.get(), true);
  service.generation = generation;
  service.children = 0;
  service.idle = 0;
  service.status_buffer.clear();
  return {};
}

void send_wakeup(const Service& service) {
  const ServiceSpec& spec = service.spec;
  if (spec.type == "fifo") {
    util::Fd fd(::open(spec.endpoint.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd) (void)!::write(fd.get(), "W", 1);
    return;
  }
  util::Result<util::Fd> fd = util::fail("no wakeup");
  if (spec.type == "unix") {
    fd = util::unix_connect(spec.endpoint, std::chrono::milliseconds(500));
  } else if (spec.type == "inet") {
    auto hp = util::split_host_port(spec.endpoint);
    if (hp) fd = util::inet_connect(hp->host.empty() ? "127.0.0.1" : hp->host, hp->port,
                                    std::chrono::milliseconds(500));
  }
  if (!fd) {
    util::msg_warn("wakeup " + spec.name + ": " + fd.error().message);
    return;
  }
  (void)util::set_nonblocking(fd->get(), true);
  // Two writes, as Postfix's master: the request, then its terminator.
  (void)::send(fd->get(), "W", 1, MSG_NOSIGNAL);
  (void)::send(fd->get(), "", 1, MSG_NOSIGNAL);
}

}  // namespace master
