// pipe's command line for one delivery request: argv= words with $name,
// ${name} and $(name) replaced by the request's values (sender, nexthop,
// recipient, user, extension, mailbox, domain, original_recipient, size,
// queue_id, client_*, sasl_*). A word that names a recipient macro is
// repeated once per recipient, in order.
// Easy to get wrong: values come from the network and may hold '$', which
// must stay text (no second expansion); flags h and u lower-case the domain
// and local parts of recipient addresses only (not the sender), q quotes a
// local part that needs it; the null sender is
// null_sender= (MAILER-DAEMON); an unknown macro name is an error, not "".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libmail/delivery_request.h"
#include "libutil/error.h"
#include "pipe/pipe_attributes.h"

namespace pipe_agent {

struct ArgvContext {
  const mail::DeliveryRequest& request;
  const PipeFlags& flags;
  std::string_view null_sender;
  std::string_view recipient_delimiter;
};

// The error message is `unknown macro name: "NAME"` (or the expander's).
util::Result<std::vector<std::string>> expand_pipe_argv(const std::vector<std::string>& argv,
                                                        const ArgvContext& context);

}  // namespace pipe_agent
