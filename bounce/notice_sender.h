// Turning a message's bounce/defer/trace log into notices: who gets one
// (the sender, subject to DSN NOTIFY; postmaster per notify_classes; a
// failed notice to the null sender becomes a double bounce or is dropped),
// composing it (libmail/bounce_notice.h) and queueing it through cleanup
// as a message from the null sender.
// Easy to get wrong: the log is removed only after every notice it owes
// was accepted by cleanup; a failure leaves it for qmgr's retry.
#pragma once

#include <string_view>

#include "libmail/bounce_client.h"
#include "libmail/daemon_options.h"
#include "libutil/error.h"

namespace conf {
class Config;
}

namespace bounce {

enum class NoticeRequestKind {
  kFlush,  // non-delivery notice (and the log goes away)
  kWarn,   // delay warning (the log stays: delivery continues)
  kTrace,  // delivery status report for sendmail -v/-bv or DSN SUCCESS
};

// Read bounce_template_file (or take the built-ins) once, before the
// chroot: the file usually lives in /etc/postfix. Fatal when unreadable.
void load_templates(const conf::Config& config);

util::Result<void> send_notices(const mail::Daemon& daemon, std::string_view service,
                                NoticeRequestKind kind, const mail::NoticeRequest& request);

}  // namespace bounce
