#include "libmail/delivery_outcome.h"

#include <cerrno>

namespace mail {

DeliveryOutcome mailbox_write_failure(const util::Error& e, std::string prefix) {
  std::string text = std::move(prefix) + e.message;
  if (e.sys_errno == EFBIG || e.sys_errno == EDQUOT) return bounced("5.2.2", std::move(text));
  return deferred("4.2.0", std::move(text));
}

RecipientResult recipient_result(const DeliveryRecipient& rcpt, const DeliveryOutcome& outcome,
                                 std::string_view sent_action) {
  RecipientResult r;
  r.offset = rcpt.offset;
  r.status = outcome.status;
  r.dsn = outcome.dsn;
  r.text = outcome.text;
  r.action = outcome.status == DeliveryStatus::kSent      ? std::string(sent_action)
             : outcome.status == DeliveryStatus::kBounced ? "failed"
                                                          : "delayed";
  return r;
}

}  // namespace mail
