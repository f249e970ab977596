// smtpd::lookup_client: who is on the other end of an SMTP connection: the
// peer and local addresses and ports, and the client name as Postfix
// decides it (reverse lookup, then a forward lookup that must give the
// address back; otherwise "unknown"). User: the protocol engine at connect.
// Easy to get wrong: an IPv4-mapped IPv6 peer (::ffff:1.2.3.4) is logged as
// the IPv4 address; inside the chroot a name lookup needs etc/hosts there,
// so without it Postfix too logs unknown[127.0.0.1].
#pragma once

#include "smtpd/smtpd_state.h"

namespace smtpd {

// Fill `client` from the connected socket `fd`; `lookup_names` is
// smtpd_peername_lookup.
void lookup_client(int fd, bool lookup_names, ClientInfo& client);

}  // namespace smtpd
