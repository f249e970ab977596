// Client side of the bounce, defer and trace services (Postfix's bounce(8)
// run under three names): qmgr appends per-recipient outcomes to the
// message's log files and asks for notices. docs/internals/pipeline.md,
// "Delivery"; the log file format is compat/queue.md §5.
// Implementation: libmail/bounce_client.cc (owned with the bounce daemon).
//
// Wire protocol (attr.h framing), one request per connection, reply
// {status=0} on success (non-zero: the caller keeps the message and retries
// later; it never removes a queue file after a failed request):
//   {request=append, flags, queue_id, recipient=..., orig_rcpt, offset,
//    dsn_orig_rcpt, notify_flags, status, action, reason, diag_type,
//    diag_text, mta_type, mta_mname}
//       append one block to bounce/ID (service "bounce"), defer/H/ID
//       ("defer") or trace/H/ID ("trace").
//   {request=flush, flags, queue_name, queue_id, encoding, smtputf8,
//    sender, dsn_envid, dsn_ret}
//       bounce: send the non-delivery notice for bounce/ID through cleanup,
//       then delete bounce/ID (a null sender: to postmaster, as a double
//       bounce per notify_classes); reply status 0 also when nothing to send.
//   {request=warn, same as flush}
//       defer: send the delay notice built from defer/H/ID (delay_warning_time).
//   {request=trace_flush, same as flush}
//       trace: send the delivery status report (sendmail -v / -bv).
// Easy to get wrong: the append must be durable (fsync) before the reply,
// because qmgr marks the recipient done right after it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "libmail/attr.h"
#include "libmail/delivery_request.h"
#include "libutil/error.h"

namespace mail {

struct BounceLogEntry {
  std::string recipient;
  std::string orig_rcpt;
  off_t offset = 0;
  std::string dsn_orig_rcpt;
  int notify_flags = 0;
  std::string status;  // "5.1.1"
  std::string action;  // "failed", "delayed", "delivered"
  std::string reason;
  std::string diag_type, diag_text, mta_type, mta_mname;
};

// The exact bytes of one block of a bounce/defer log (compat/queue.md §5).
std::string format_bounce_log_entry(const BounceLogEntry& entry);

struct NoticeRequest {
  int flags = 0;
  std::string queue_name;  // where the original message is now ("active")
  std::string queue_id;
  std::string encoding;
  int smtputf8 = 0;
  std::string sender;
  std::string dsn_envid;
  int dsn_ret = 0;
};

// `socket_path`: service_path("private", "bounce"|"defer"|"trace").
util::Result<void> bounce_append(const std::string& socket_path, std::string_view queue_id,
                                 const BounceLogEntry& entry, std::chrono::seconds timeout);
util::Result<void> bounce_flush(const std::string& socket_path, const NoticeRequest& request,
                                std::chrono::seconds timeout);
util::Result<void> bounce_warn(const std::string& socket_path, const NoticeRequest& request,
                               std::chrono::seconds timeout);
util::Result<void> trace_flush(const std::string& socket_path, const NoticeRequest& request,
                               std::chrono::seconds timeout);

// The requests as attribute lists (what the functions above send), and the
// service's side: a request back into the structs the client encoded
// (a missing attribute reads as empty or 0; the service validates).
AttrList append_request(std::string_view queue_id, const BounceLogEntry& entry);
AttrList notice_request(std::string_view request_name, const NoticeRequest& request);
BounceLogEntry parse_append_request(const AttrList& request);
NoticeRequest parse_notice_request(const AttrList& request);

}  // namespace mail
