// What one delivery attempt needs (the request, the message content, the
// settings, the action from expansion) and what it reports back. Shared by
// the delivery files of local/ (mbox, maildir, file, command, forward).
// Easy to get wrong: Delivered-To is the request's recipient (frozen for
// the whole expansion, as Postfix's frozen_delivered_to), while the log's
// to= is the action's address.
#pragma once

#include <string>
#include <vector>

#include "libmail/delivery_outcome.h"
#include "libmail/delivery_request.h"
#include "libmail/local_copy.h"
#include "libmail/local_expand.h"
#include "local/local_settings.h"

namespace local {

using Outcome = mail::DeliveryOutcome;
using mail::bounced;
using mail::deferred;
using mail::sent;

struct Delivery {
  const mail::DeliveryRequest& request;
  const mail::DeliveryRecipient& recipient;
  const std::vector<std::string>& lines;  // message content, one line each
  const Settings& settings;
  const mail::LocalAction& action;
  std::time_t start = 0;  // for the From line

  // The copy in the form `flags` asks for (envelope lines from the action).
  std::string copy(mail::MailCopyFlags flags) const {
    mail::MailCopyEnvelope env;
    env.sender = action.sender;
    env.orig_rcpt = recipient.orig_rcpt.empty() ? recipient.address : recipient.orig_rcpt;
    env.delivered = recipient.address;
    env.when = start;
    if (!settings.enable_original_recipient) flags.orig_rcpt = false;
    return mail::format_mail_copy(env, flags, lines);
  }
};

}  // namespace local
