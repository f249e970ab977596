#include "discard/discard_service.h"

#include "libmail/delivery_log.h"
#include "libmail/dsn_text.h"
#include "libmail/single_server.h"
#include "libutil/log.h"

namespace discard_agent {

mail::DeliveryReply deliver(const mail::DeliveryRequest& request) {
  mail::DeliveryTimes times;
  times.arrival = request.arrival_time;
  times.active = request.active_time;
  times.agent_start = times.connected = mail::now_seconds();

  mail::DsnText reason = mail::split_dsn_text(request.nexthop, "2.0.0");
  if (reason.dsn.front() != '2') {
    util::msg_warn("sent: ignoring dsn code \"" + reason.dsn + "\"");
    reason.dsn = "2.0.0";
  }

  mail::DeliveryReply reply;
  for (const mail::DeliveryRecipient& rcpt : request.recipients) {
    mail::RecipientResult result;
    result.offset = rcpt.offset;
    result.status = mail::DeliveryStatus::kSent;
    result.dsn = reason.dsn;
    result.action = "delivered";
    result.text = reason.text;
    times.done = mail::now_seconds();
    util::msg_info(mail::format_delivery_log(request.queue_id, rcpt.address, rcpt.orig_rcpt,
                                             "none", times, result));
    reply.results.push_back(std::move(result));
  }
  return reply;
}

int run(int argc, char** argv) {
  mail::single_server_main(argc, argv, "discard", [](util::Stream& client, mail::Daemon& daemon) {
    mail::serve_delivery_request(
        client, daemon,
        [](const mail::DeliveryRequest& request, mail::Daemon&) { return deliver(request); });
  });
}

}  // namespace discard_agent
