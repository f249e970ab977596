#include "error/error_service.h"

#include "libmail/delivery_log.h"
#include "libmail/dsn_text.h"
#include "libmail/single_server.h"
#include "libutil/log.h"

namespace error_agent {

mail::DeliveryReply deliver(const mail::DeliveryRequest& request, std::string_view service) {
  mail::DeliveryTimes times;
  times.arrival = request.arrival_time;
  times.active = request.active_time;
  times.agent_start = times.connected = mail::now_seconds();

  const bool retry = service == "retry";
  mail::DsnText reason = mail::split_dsn_text(request.nexthop, retry ? "4.0.0" : "5.0.0");
  const char wanted = retry ? '4' : '5';
  if (reason.dsn.front() != wanted) {
    util::msg_warn(std::string(retry ? "defer_append" : "bounce_append") +
                   ": ignoring dsn code \"" + reason.dsn + "\"");
    reason.dsn = retry ? "4.0.0" : "5.0.0";
  }

  mail::DeliveryReply reply;
  for (const mail::DeliveryRecipient& rcpt : request.recipients) {
    mail::RecipientResult result;
    result.offset = rcpt.offset;
    result.status = retry ? mail::DeliveryStatus::kDeferred : mail::DeliveryStatus::kBounced;
    result.dsn = reason.dsn;
    result.action = retry ? "delayed" : "failed";
    result.text = reason.text;
    times.done = mail::now_seconds();
    util::msg_info(mail::format_delivery_log(request.queue_id, rcpt.address, rcpt.orig_rcpt,
                                             "none", times, result));
    reply.results.push_back(std::move(result));
  }
  return reply;
}

int run(int argc, char** argv) {
  mail::single_server_main(argc, argv, "error", [](util::Stream& client, mail::Daemon& daemon) {
    mail::serve_delivery_request(
        client, daemon, [](const mail::DeliveryRequest& request, mail::Daemon& d) {
          return deliver(request, d.options.service_name);
        });
  });
}

}  // namespace error_agent
