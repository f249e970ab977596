// Shared plumbing of the network table clients; see dict_client.h.
#include "libutil/dict_client.h"

#include <cerrno>
#include <cstring>

namespace util {

Result<DictEndpoint> parse_dict_service(std::string_view service) {
  size_t colon = service.find(':');
  if (colon == std::string_view::npos || colon + 1 == service.size()) {
    return fail("need service transport:endpoint instead of \"" + std::string(service) + "\"");
  }
  std::string_view transport = service.substr(0, colon);
  std::string_view rest = service.substr(colon + 1);
  if (transport == "unix") {
    DictEndpoint e;
    e.unix_domain = true;
    e.host = std::string(rest);
    return e;
  }
  if (transport == "inet") return parse_dict_host_port(rest);
  return fail("invalid transport name: " + std::string(transport) +
              " in service: " + std::string(service));
}

Result<DictEndpoint> parse_dict_host_port(std::string_view host_port) {
  auto hp = split_host_port(host_port);
  if (!hp) return std::unexpected(hp.error());
  // A lone word is a port to split_host_port; Postfix reads it as a host
  // with no service.
  if (hp->host.empty()) return fail(std::string(host_port) + ": missing service (expecting host:port)");
  DictEndpoint e;
  e.host = hp->host;
  e.port = hp->port;
  return e;
}

DictClientLimits tcp_dict_limits() {
  return {std::chrono::seconds(100), 10, std::chrono::seconds(1)};
}

DictClientLimits socketmap_dict_limits() {
  return {std::chrono::seconds(100), 2, std::chrono::seconds(1)};
}

Result<Stream*> DictConnection::stream(std::string_view warn_name) {
  if (stream_) return &*stream_;
  auto fd = endpoint_.unix_domain ? unix_connect(endpoint_.host, timeout_)
                                  : inet_connect(endpoint_.host, endpoint_.port, timeout_);
  if (!fd) {
    note_error(fd.error());
    Error e = fd.error();
    e.message = "connect to " + std::string(warn_name) + ": " +
                (e.sys_errno != 0 || e.kind == ErrorKind::kTimeout ? last_reason() : e.message);
    return std::unexpected(e);
  }
  // Postfix connects without blocking, so the errno its later reports show
  // is the EINPROGRESS of that connect until some other call fails.
  last_errno_ = EINPROGRESS;
  stream_.emplace(std::move(*fd), timeout_);
  return &*stream_;
}

void DictConnection::note_error(const Error& e) {
  if (e.sys_errno != 0)
    last_errno_ = e.sys_errno;
  else if (e.kind == ErrorKind::kTimeout)
    last_errno_ = ETIMEDOUT;
}

std::string DictConnection::last_reason() const {
  return std::strerror(last_errno_ != 0 ? last_errno_ : EIO);
}

}  // namespace util
