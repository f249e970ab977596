// What one delivery attempt came to, before it becomes a RecipientResult:
// the status, DSN code and reason text. Shared by the delivery agents that
// decide per recipient (local, pipe, virtual) and by command_status.h.
#pragma once

#include <string>
#include <string_view>

#include "libmail/delivery_request.h"
#include "libutil/error.h"

namespace mail {

struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::kDeferred;
  std::string dsn;
  std::string text;
};

inline DeliveryOutcome sent(std::string text) {
  return {DeliveryStatus::kSent, "2.0.0", std::move(text)};
}
inline DeliveryOutcome deferred(std::string dsn, std::string text) {
  return {DeliveryStatus::kDeferred, std::move(dsn), std::move(text)};
}
inline DeliveryOutcome bounced(std::string dsn, std::string text) {
  return {DeliveryStatus::kBounced, std::move(dsn), std::move(text)};
}

// A failed mailbox or Maildir write: a full mailbox or quota (EFBIG,
// EDQUOT) bounces 5.2.2, anything else defers 4.2.0; the text is `prefix`
// followed by the error.
DeliveryOutcome mailbox_write_failure(const util::Error& e, std::string prefix);

// The result for `rcpt`, with the DSN action for the status ("delayed",
// "failed", or `sent_action`: "delivered", or "relayed" for pipe without X).
RecipientResult recipient_result(const DeliveryRecipient& rcpt, const DeliveryOutcome& outcome,
                                 std::string_view sent_action = "delivered");

}  // namespace mail
