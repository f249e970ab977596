// "proxy:TYPE:NAME" tables for smtpd: lookups go to the proxymap service
// (private/proxymap) as in Postfix, because a chrooted smtpd cannot read
// /etc/passwd or files outside the queue directory itself. Used by the
// restriction engine for access tables and recipient tables (the default
// local_recipient_maps is proxy:unix:passwd.byname $alias_maps).
// Easy to get wrong: the request names the inner table ("unix:passwd.byname",
// what proxy_read_maps approves); a failed or refused request is an error
// (the mail waits), never "not found"; after chroot the socket is found
// relative to the queue directory.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libmail/proxymap_client.h"
#include "libutil/dict.h"

namespace smtpd {

class ProxymapTable final : public util::Dict {
 public:
  // `inner` is "TYPE:NAME"; `queue_directory` locates private/proxymap
  // before the chroot.
  ProxymapTable(const std::string& inner, std::string queue_directory);
  util::Result<std::optional<std::string>> lookup(std::string_view key) override;

 private:
  util::Result<void> connect();

  std::string inner_;
  std::string queue_directory_;
  std::optional<mail::ProxymapClient> client_;
};

}  // namespace smtpd
