// smtpd::ClientLists: the host lists that decide what the protocol engine
// lets a client do, opened once before the jail: who may send XCLIENT
// (smtpd_authorized_xclient_hosts) and XFORWARD
// (smtpd_authorized_xforward_hosts), and who is spared
// smtpd_forbid_bare_newline (smtpd_forbid_bare_newline_exclusions).
// Easy to get wrong: the engine matches at connect; after XCLIENT it
// matches the XCLIENT list and the exclusions again against the claimed
// client, but keeps the XFORWARD verdict (as Postfix 3.7.11); a table that
// cannot be searched counts as no match (the stricter treatment), logged.
#pragma once

#include <optional>
#include <string>

#include "libconf/config.h"
#include "libmail/match_list.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class ClientLists {
 public:
  // Exits with a fatal error when a list cannot be parsed or opened.
  static ClientLists open(const conf::Config& config);

  bool xclient_allowed(const ClientInfo& client) const { return match(xclient_, client); }
  bool xforward_allowed(const ClientInfo& client) const { return match(xforward_, client); }
  bool bare_newline_excluded(const ClientInfo& client) const {
    return match(bare_newline_exclusions_, client);
  }

 private:
  struct Named {
    std::string name;  // parameter, for warnings
    std::optional<mail::MatchList> list;
  };
  static bool match(const Named& list, const ClientInfo& client);

  Named xclient_, xforward_, bare_newline_exclusions_;
};

}  // namespace smtpd
