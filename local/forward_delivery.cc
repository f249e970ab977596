#include "local/forward_delivery.h"

#include <sys/time.h>

#include "libmail/cleanup_client.h"
#include "libmail/record.h"
#include "libmail/service_client.h"

namespace local {
namespace {

util::Result<std::string> send_to_cleanup(const mail::DeliveryRequest& request,
                                          const mail::DeliveryRecipient& recipient,
                                          const std::vector<std::string>& lines,
                                          const Settings& settings,
                                          const std::vector<const mail::LocalAction*>& targets,
                                          mail::Daemon& daemon) {
  std::string cleanup = daemon.config.get("cleanup_service_name");
  auto client = mail::CleanupClient::open(mail::service_path("public", cleanup),
                                          mail::kCleanupFlagBounce | mail::kCleanupFlagMaskInternal,
                                          daemon.ipc_timeout);
  if (!client) return std::unexpected(client.error());
  auto put = [&](char type, std::string_view payload) {
    return client->write_record(type, payload);
  };
  timeval now{};
  ::gettimeofday(&now, nullptr);
  util::Result<void> ok =
      put(mail::rec::kTime, std::to_string(now.tv_sec) + " " + std::to_string(now.tv_usec));
  // All targets share the sender of the first: the expansion they came from.
  if (ok) ok = put(mail::rec::kFrom, targets.front()->sender);
  std::string orig = recipient.orig_rcpt.empty() ? recipient.address : recipient.orig_rcpt;
  for (const auto* t : targets) {
    if (ok) ok = put(mail::rec::kOrigRcpt, orig);
    if (ok) ok = put(mail::rec::kRcpt, t->value);
  }
  if (ok) ok = put(mail::rec::kMessage, "");
  std::string out;
  if (settings.prepend_delivered_forward)
    mail::append_text_line(out, "Delivered-To: " + recipient.address);
  for (const auto& line : lines) mail::append_text_line(out, line);
  if (ok) ok = client->write_framed(out);
  if (ok) ok = put(mail::rec::kExtract, "");
  if (ok) ok = put(mail::rec::kEnd, "");
  if (!ok) return std::unexpected(ok.error());
  auto reply = client->finish();
  if (!reply) return std::unexpected(reply.error());
  if (reply->status != mail::kCleanupStatOk)
    return util::fail(mail::cleanup_status_text(reply->status));
  (void)request;
  return client->queue_id();
}

}  // namespace

Outcome forward_message(const mail::DeliveryRequest& request,
                        const mail::DeliveryRecipient& recipient,
                        const std::vector<std::string>& lines, const Settings& settings,
                        const std::vector<const mail::LocalAction*>& targets,
                        mail::Daemon& daemon) {
  auto id = send_to_cleanup(request, recipient, lines, settings, targets, daemon);
  if (!id) return deferred("4.3.0", "cannot forward: " + id.error().message);
  return sent("forwarded as " + *id);
}

}  // namespace local
