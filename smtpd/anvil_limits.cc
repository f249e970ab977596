// PLACEHOLDER until anvil lands: no limits.
#include "smtpd/anvil_limits.h"

namespace smtpd {
namespace {

class NoLimits final : public AnvilLimits {
 public:
  std::optional<SmtpReply> on_connect(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_mail(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_rcpt(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_starttls(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_auth(const Session&) override { return std::nullopt; }
  void on_disconnect(const Session&) override {}
};

}  // namespace

std::unique_ptr<AnvilLimits> AnvilLimits::create(const conf::Config&) {
  return std::make_unique<NoLimits>();
}

}  // namespace smtpd
