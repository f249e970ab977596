// spawn under master: the seed's SPF recipe (postfix-add-policy's master.cf
// lines, Debian's postfix-policyd-spf-perl behind check_policy_service
// unix:private/spfcheck, spfcheck_time_limit), and the warnings for a
// command that fails or runs past its time limit.
#include <catch.hpp>
#include <string>

#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

const std::string kSpf = "/usr/sbin/postfix-policyd-spf-perl";
const std::string kAddPolicy = "/usr/sbin/postfix-add-policy";

// The master.cf text Debian's postfix-add-policy appends (it edits only
// /etc/postfix/master.cf, so its own function makes the text here).
std::string add_policy_text(const std::string& name, const std::string& user,
                            const std::string& argv) {
  auto r = test::run({"python3", "-c",
                      "import runpy, sys; m = runpy.run_path('" + kAddPolicy +
                          "'); sys.stdout.write(m['makepolicy'](*sys.argv[1:]))",
                      name, user, argv});
  REQUIRE(r.exit_status == 0);
  return r.out;
}

}  // namespace

TEST_CASE("the seed's SPF policy recipe: spawn runs postfix-policyd-spf-perl for smtpd",
          "[spawn][smtpd][policy]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without(kSpf, "Debian's postfix-policyd-spf-perl (scripts/deps.sh)")) return;
  if (test::skip_without(kAddPolicy, "Debian's postfix-add-policy")) return;
  smtpd_test::SmtpdOptions o;
  o.master_cf = add_policy_text("spfcheck", "nobody", kSpf);
  REQUIRE(o.master_cf.find("spawn") != std::string::npos);
  // The seed's lines; mynetworks leaves 127.0.0.1 out so the policy is asked.
  o.main_cf =
      "mynetworks = 192.0.2.0/24\n"
      "smtpd_recipient_restrictions = permit_mynetworks permit_sasl_authenticated "
      "check_policy_service unix:private/spfcheck\n"
      "spfcheck_time_limit = 3600\n";
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c);
  auto r = c->send_message("sender@example.org", {"root@mx.example.test"},
                           "Subject: spf\r\n\r\nchecked\r\n");
  REQUIRE(r);
  c->command("QUIT");
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box << s.log());
  // The policy server exempts loopback clients with this header, which
  // smtpd prepends as the policy's PREPEND action.
  CHECK(box.find("Authentication-Results: ") != std::string::npos);
  CHECK(box.find("; none (SPF not checked for localhost)\n") != std::string::npos);
  CHECK(s.log().find("warning: command") == std::string::npos);
  // postconf knows spfcheck_time_limit from the spawn service: no warning.
  auto pc = test::run({test::command("postconf"), "-c", s.instance().path(), "-n"});
  CHECK(pc.err.find("spfcheck_time_limit") == std::string::npos);
}

TEST_CASE("spawn warns about a command that fails or outlives its time limit", "[spawn]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtpd_test::SmtpdOptions o;
  o.master_cf =
      "failing unix - n n - 0 spawn\n  user=nobody argv=/bin/sh -c {echo bye; exit 3}\n"
      "slow unix - n n - 0 spawn\n  user=nobody argv=/bin/sleep 60\n";
  o.main_cf = "slow_time_limit = 1s\n";
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  {
    // The command's output reaches the client: stdout is the connection.
    auto fd = util::unix_connect(s.instance().dir().file("queue/private/failing"), 10s);
    REQUIRE(fd);
    util::Stream stream(std::move(*fd), 10s);
    auto line = stream.read_line(100);
    REQUIRE(line);
    CHECK(line->text == "bye");
  }
  CHECK(s.log_has("warning: command /bin/sh exit status 3"));
  auto start = std::chrono::steady_clock::now();
  {
    auto fd = util::unix_connect(s.instance().dir().file("queue/private/slow"), 10s);
    REQUIRE(fd);
    util::Stream stream(std::move(*fd), 20s);
    auto line = stream.read_line(100);  // EOF once the command is killed
    CHECK_FALSE(line);
  }
  CHECK(std::chrono::steady_clock::now() - start < 15s);
  CHECK(s.log_has("/bin/sleep: process id "));
  CHECK(s.log_has(": command time limit exceeded"));
  CHECK(s.log_has("warning: command /bin/sleep killed by signal 9"));
}
