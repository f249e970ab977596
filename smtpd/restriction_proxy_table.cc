// proxy: tables through the proxymap service (restriction_proxy_table.h).
#include "smtpd/restriction_proxy_table.h"

#include <sys/stat.h>

namespace smtpd {

ProxymapTable::ProxymapTable(const std::string& inner, std::string queue_directory)
    : Dict("proxy", inner), inner_(inner), queue_directory_(std::move(queue_directory)) {}

util::Result<void> ProxymapTable::connect() {
  // Before the chroot the absolute path exists; inside it the queue
  // directory is the root and the working directory.
  std::string path = queue_directory_ + "/private/proxymap";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) path = "private/proxymap";
  auto c = mail::ProxymapClient::connect(path, std::chrono::seconds(100));
  if (!c) return std::unexpected(c.error());
  client_.emplace(std::move(*c));
  return {};
}

util::Result<std::optional<std::string>> ProxymapTable::lookup(std::string_view key) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!client_) {
      if (auto c = connect(); !c) return op_error("query", c.error().message);
    }
    mail::ProxyReply r = client_->lookup(inner_, key);
    switch (r.status) {
      case mail::ProxyStatus::kOk:
        return r.value;
      case mail::ProxyStatus::kNotFound:
        return std::optional<std::string>{};
      case mail::ProxyStatus::kBad:
        return op_error("query", "proxymap service refused the request (is " + inner_ +
                                     " listed in proxy_read_maps?)");
      case mail::ProxyStatus::kRetry:
        if (!r.error.empty()) {
          // The connection died (an idle one the server closed): once more.
          client_.reset();
          continue;
        }
        return op_error("query", "proxymap service could not search the table");
    }
  }
  return op_error("query", "proxymap service is not available");
}

}  // namespace smtpd
