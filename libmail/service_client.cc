#include "libmail/service_client.h"

#include "libconf/config.h"
#include "libutil/socket.h"

namespace mail {

std::string service_path(std::string_view klass, std::string_view name) {
  return std::string(klass) + "/" + std::string(name);
}

std::string service_path(const conf::Config& config, std::string_view klass, std::string_view name) {
  return config.get("queue_directory") + "/" + service_path(klass, name);
}

util::Result<util::Stream> connect_service(const std::string& path, std::chrono::seconds timeout) {
  auto fd = util::unix_connect(path, timeout);
  if (!fd) return std::unexpected(fd.error());
  return util::Stream(std::move(*fd), timeout);
}

}  // namespace mail
