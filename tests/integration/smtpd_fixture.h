// smtpd_test::SmtpdInstance: a whole Postern mail system (master, postlogd,
// smtpd on a free loopback port, cleanup, qmgr, local, ...) in a temp dir,
// for the smtpd integration tests and anyone who needs a real SMTP server:
// protocol, limits, hostile input, restrictions, TLS, AUTH, anvil.
//
//   smtpd_test::SmtpdOptions o;
//   o.main_cf = "message_size_limit = 2000\n";     // extra main.cf lines
//   o.smtpd_options = {"smtpd_tls_security_level=may"};  // -o on the smtp line
//   smtpd_test::SmtpdInstance s(o);
//   REQUIRE(s.start().exit_status == 0);
//   auto c = s.connect();   // test::SmtpClient, banner already read
//
// Built on pipeline_fixture.h (Debian's master.cf, mailboxes under the temp
// dir, aliases) plus the Debian smtp inet line bound to 127.0.0.1:PORT and
// chrooted as shipped. Easy to get wrong: the instance needs root (master
// switches users); call test::skip_unless_root first. Log lines reach the
// maillog through postlogd, so wait for them with log_has(), never read once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/pipeline_fixture.h"
#include "tests/support/smtp_client.h"

namespace smtpd_test {

struct SmtpdOptions {
  std::string main_cf;                     // appended to main.cf
  std::vector<std::string> smtpd_options;  // "name=value": -o options of the smtp line
  std::string master_cf;                   // extra master.cf lines (other services)
  std::string chroot = "y";                // master.cf chroot column of the smtp line
};

class SmtpdInstance {
 public:
  explicit SmtpdInstance(const SmtpdOptions& options = {})
      : pipeline_("smtpd_error_sleep_time = 0\n" + options.main_cf) {
    std::string line = "127.0.0.1:ECHO_PORT inet n - " + options.chroot + " - - smtpd\n";
    for (const auto& o : options.smtpd_options) line += "  -o " + o + "\n";
    pipeline_.instance().write_master_cf(pipeline_test::default_master_cf() + line +
                                         options.master_cf);
  }

  // postfix start, then wait until the SMTP port answers (or 20 s pass).
  test::RunResult start() {
    auto r = pipeline_.start();
    if (r.exit_status != 0) return r;
    master_test::eventually(
        [&] {
          auto c = test::SmtpClient::connect("127.0.0.1", port(), std::chrono::seconds(2));
          return c && c->banner().has_value();
        },
        std::chrono::seconds(20));
    return r;
  }

  int port() const { return const_cast<SmtpdInstance*>(this)->pipeline_.instance().port(); }

  // A connected client whose banner has been read (its text in *banner).
  util::Result<test::SmtpClient> connect(
      test::SmtpReplyLines* banner = nullptr,
      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto c = test::SmtpClient::connect("127.0.0.1", port(), timeout);
    if (!c) return c;
    auto b = c->banner();
    if (!b) return std::unexpected(b.error());
    if (banner) *banner = *b;
    return c;
  }

  pipeline_test::Pipeline& pipeline() { return pipeline_; }
  master_test::Instance& instance() { return pipeline_.instance(); }
  std::string log() const { return const_cast<SmtpdInstance*>(this)->pipeline_.instance().log(); }
  // Waits (up to 10 s) for `text` in the maillog.
  bool log_has(const std::string& text) const {
    return const_cast<SmtpdInstance*>(this)->pipeline_.instance().log_has(text);
  }
  std::string mailbox(const std::string& user) const { return pipeline_.mailbox(user); }
  bool wait_for_messages(const std::string& user, size_t count) const {
    return pipeline_.wait_for_messages(user, count);
  }

 private:
  pipeline_test::Pipeline pipeline_;
};

}  // namespace smtpd_test
