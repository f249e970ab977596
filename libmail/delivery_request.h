// The delivery request qmgr sends to a delivery agent (local, discard,
// error, later smtp/lmtp/virtual/pipe) over private/TRANSPORT, and the
// per-recipient reply (docs/internals/pipeline.md, "Delivery").
// Implementation: libmail/delivery_request.cc (owned with qmgr).
// Agents call serve_delivery_request() from their single-server handler.
// Easy to get wrong: every recipient in the request gets exactly one result,
// keyed by its queue-file offset (qmgr marks that record done); an agent
// that cannot answer at all (crash, timeout) makes qmgr defer every
// recipient of the request, never bounce.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "libmail/attr.h"
#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

struct Daemon;

// Request flags.
inline constexpr int kDeliverFlagVerify = 1 << 0;  // address probe: do not deliver (sendmail -bv)
inline constexpr int kDeliverFlagRecord = 1 << 1;  // also report successes to trace (sendmail -v)
inline constexpr int kDeliverFlagBounce = 1 << 2;  // the message is itself a notice (sender is <>)

struct DeliveryRecipient {
  off_t offset = 0;       // of its R record: the key of the result
  std::string orig_rcpt;  // O record ("" if none)
  std::string address;    // R record, as resolved
  std::string dsn_orcpt;  // A dsn_orig_rcpt ("" if none)
  int dsn_notify = 0;     // A notify_flags
};

struct DeliveryRequest {
  int flags = 0;
  std::string queue_name;  // "active"
  std::string queue_id;
  long data_offset = 0;  // C record field 2: first content record
  long data_size = 0;    // C record field 1
  std::string nexthop;   // from the resolver (local: the domain)
  std::string encoding;  // A encoding= ("8bit", "7bit" or "")
  int smtputf8 = 0;
  std::string sender;  // "" for the null sender
  std::string dsn_envid;
  int dsn_ret = 0;
  // Times for delay/delays: when the message arrived (T record) and when
  // qmgr moved it to active; both as seconds since the epoch with fraction.
  double arrival_time = 0;
  double active_time = 0;
  // From the queue file's A records (for logs and Received-style headers).
  std::string client_name, client_addr, client_proto, client_helo;
  std::string sasl_method, sasl_username, log_ident, rewrite_context;
  // The message's origin as logged (log_client_* etc.: the client an
  // XFORWARD named, else the real one); smtp_send_xforward_command sends them.
  std::string log_client_name, log_client_addr, log_client_port, log_helo_name, log_protocol_name;
  std::vector<DeliveryRecipient> recipients;
};

enum class DeliveryStatus { kSent, kDeferred, kBounced };

struct RecipientResult {
  off_t offset = 0;
  DeliveryStatus status = DeliveryStatus::kDeferred;
  std::string dsn;     // "2.0.0", "4.3.0", "5.1.1"
  std::string action;  // "delivered", "delayed", "failed", "relayed", "expanded"
  std::string text;    // the reason, as logged in parentheses
  // SMTP details for the bounce/defer log (empty when not from a server).
  std::string diag_type, diag_text, mta_type, mta_mname;
};

struct DeliveryReply {
  std::vector<RecipientResult> results;
};

AttrList delivery_request_attrs(const DeliveryRequest& request);
util::Result<DeliveryRequest> parse_delivery_request(const AttrList& attrs);
AttrList delivery_reply_attrs(const DeliveryReply& reply);
util::Result<DeliveryReply> parse_delivery_reply(const AttrList& attrs);

// Agent side: read one request, run `deliver`, write the reply. A malformed
// request is logged (warning) and answered with nothing: qmgr defers.
// Returns false when the client went away or sent garbage.
using DeliveryHandler = std::function<DeliveryReply(const DeliveryRequest&, Daemon&)>;
bool serve_delivery_request(util::Stream& client, Daemon& daemon, const DeliveryHandler& deliver);

// A delivery agent's main on the single-client skeleton: `make` builds the
// handler in the pre-jail hook (settings, tables: before chroot and
// privilege changes), then each client is served one request.
[[noreturn]] void delivery_agent_main(int argc, char** argv, std::string_view program,
                                      const std::function<DeliveryHandler(Daemon&)>& make);

// Client side (blocking; qmgr may use the encode/parse functions instead to
// drive the exchange from its event loop).
util::Result<DeliveryReply> send_delivery_request(util::Stream& agent,
                                                  const DeliveryRequest& request);

}  // namespace mail
