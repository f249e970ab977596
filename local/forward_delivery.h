// Forwarding: the non-local addresses an alias or .forward expands to are
// sent on as ONE new message through the cleanup service (original sender,
// or owner-NAME; the new recipients), logged "forwarded as NEWID".
// Users: local/local_service.
// Easy to get wrong: the new message keeps the original content and gets a
// Delivered-To: on top (prepend_delivered_header has "forward"), which is
// what stops a forwarding loop between two systems; cleanup's status must
// be 0 before we call the original recipient done.
#pragma once

#include <string>
#include <vector>

#include "libmail/daemon_options.h"
#include "libmail/delivery_request.h"
#include "libmail/local_expand.h"
#include "local/delivery_context.h"
#include "local/local_settings.h"

namespace local {

Outcome forward_message(const mail::DeliveryRequest& request,
                        const mail::DeliveryRecipient& recipient,
                        const std::vector<std::string>& lines, const Settings& settings,
                        const std::vector<const mail::LocalAction*>& targets, mail::Daemon& daemon);

}  // namespace local
