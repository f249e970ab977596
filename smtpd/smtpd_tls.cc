// PLACEHOLDER until smtpd TLS lands: TLS is never offered.
#include "smtpd/smtpd_tls.h"

namespace smtpd {
namespace {

class NoTls final : public SmtpdTls {
 public:
  bool available() const override { return false; }
  bool required() const override { return false; }
  bool auth_only() const override { return false; }
  bool wrapper_mode() const override { return false; }
  util::Result<void> start(util::Stream&, Session&) override { return util::fail("TLS is not built"); }
  std::string received_comment(const Session&) const override { return ""; }
};

}  // namespace

util::Result<std::unique_ptr<SmtpdTls>> SmtpdTls::create(const conf::Config&) {
  return std::make_unique<NoTls>();
}

}  // namespace smtpd
