// PLACEHOLDER until SASL lands: AUTH is never offered.
#include "smtpd/sasl_server.h"

namespace smtpd {
namespace {

class NoSasl final : public SaslServer {
 public:
  bool enabled() const override { return false; }
  std::string mechanisms(const Session&) const override { return ""; }
  SmtpReply run_auth(util::Stream&, Session&, std::string_view) override {
    return SmtpReply{503, "5.5.1", "Error: authentication not enabled"};
  }
};

}  // namespace

util::Result<std::unique_ptr<SaslServer>> SaslServer::create(const conf::Config&) {
  return std::make_unique<NoSasl>();
}

}  // namespace smtpd
