// PLACEHOLDER until the restriction engine lands: refuses every recipient
// with a temporary error, so an smtpd built from this file is never an
// open relay. Replaced by the real engine (owner: restrictions work).
#include "smtpd/restrictions.h"

namespace smtpd {
namespace {

class RefuseAll final : public Restrictions {
 public:
  std::optional<SmtpReply> on_connect(Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_helo(Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_mail(Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_rcpt(Session&) override {
    return SmtpReply{451, "4.3.5", "Server configuration problem"};
  }
  std::optional<SmtpReply> on_vrfy(Session&) override {
    return SmtpReply{451, "4.3.5", "Server configuration problem"};
  }
  std::optional<SmtpReply> on_etrn(Session&, const std::string&) override { return std::nullopt; }
  std::optional<SmtpReply> on_data(Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_end_of_data(Session&, long long) override { return std::nullopt; }
  void note_pipelining(Session&, bool) override {}
};

}  // namespace

util::Result<std::unique_ptr<Restrictions>> Restrictions::create(const conf::Config&) {
  return std::make_unique<RefuseAll>();
}

}  // namespace smtpd
