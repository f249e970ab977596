// mail policy protocol: the framing of Postfix's policy delegation
// (check_policy_service): the client sends "name=value" lines ended by an
// empty line; the server answers the same way with at least "action=...".
// smtpd's policy client uses the client side; tests and any Postern policy
// server use the server side.
// Easy to get wrong: this talks to third-party servers (postgrey,
// policyd-spf) so the reader bounds line length and attribute count, a value
// may itself contain '=', and a value with a newline must never be sent (it
// would let a client inject attributes): format_policy_attrs refuses it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

using PolicyAttrs = std::vector<std::pair<std::string, std::string>>;

struct PolicyLimits {
  size_t max_line = 2048;  // line_length_limit
  size_t max_attrs = 100;
};

struct PolicyReply {
  std::string action;  // the value of "action" (e.g. "DUNNO", "REJECT text")
  PolicyAttrs attrs;   // everything received, action included
};

// "name=value\n"... then "\n"; an empty name, a name with '=' or a newline
// anywhere is a kMalformed error.
util::Result<std::string> format_policy_attrs(const PolicyAttrs& attrs);
util::Result<void> write_policy_attrs(util::Stream& stream, const PolicyAttrs& attrs);
// One block of lines up to the empty line.
util::Result<PolicyAttrs> read_policy_attrs(util::Stream& stream, const PolicyLimits& limits = {});

// Client: send the request, read the reply; a reply without action is an error.
util::Result<PolicyReply> policy_query(util::Stream& stream, const PolicyAttrs& request,
                                       const PolicyLimits& limits = {});
// Server: answer "action=ACTION\n\n".
util::Result<void> write_policy_reply(util::Stream& stream, std::string_view action);

}  // namespace mail
