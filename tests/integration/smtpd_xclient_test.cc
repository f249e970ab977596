// XCLIENT and XFORWARD from an authorized host: the same dialogues to
// Debian's Postfix 3.7.11 and to our smtpd give the same replies (EHLO
// keywords, syntax errors, the new greeting), the same log lines (hold,
// client=, disconnect) and the same envelope attributes in the held
// queue files (postcat -e of each side's postcat).
#include <catch.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/smtpd_dialogue.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

const std::string kConfig =
    "mynetworks = 127.0.0.1/32\n"
    "smtpd_authorized_xclient_hosts = 127.0.0.1\n"
    "smtpd_authorized_xforward_hosts = 127.0.0.1\n"
    "smtpd_recipient_restrictions = check_client_access static:HOLD, permit_mynetworks, "
    "reject_unauth_destination\n";

const std::string kContent = "Subject: x\r\n\r\nhi\r\n.\r\n";

const std::vector<std::string> kXclient = {
    "EHLO c.example\r\n",
    "XCLIENT\r\n",
    "XCLIENT FOO=bar\r\n",
    "XCLIENT NAME\r\n",
    "XCLIENT ADDR=bogus\r\n",
    "XCLIENT PORT=abc\r\n",
    "XCLIENT PROTO=FOO\r\n",
    "MAIL FROM:<a@example.test>\r\n",
    "XCLIENT NAME=x\r\n",
    "RSET\r\n",
    "XCLIENT NAME=foo.example ADDR=10.0.0.5 PORT=1234 PROTO=ESMTP HELO=h.example LOGIN=bob "
    "DESTADDR=192.0.2.1 DESTPORT=587\r\n",
    "MAIL FROM:<a@example.test>\r\n",
    "RCPT TO:<far@remote.example>\r\n",
    "RCPT TO:<root@mx.example.test>\r\n",
    "DATA\r\n",
    kContent,
    // 10.0.0.5 may not XCLIENT again, but XFORWARD stays allowed (decided
    // for the real client at connect).
    "XCLIENT NAME=y.example\r\n",
    "XFORWARD NAME=y.example\r\n",
    "EHLO again.example\r\n",
    "QUIT\r\n",
};

const std::vector<std::string> kXforward = {
    "EHLO c.example\r\n",
    "XFORWARD\r\n",
    "XFORWARD FOO=1\r\n",
    "XFORWARD ADDR=bogus\r\n",
    "XFORWARD NAME=fwd.example ADDR=10.1.1.1 PORT=2525 PROTO=ESMTP HELO=fh.example "
    "IDENT=abc123 SOURCE=REMOTE\r\n",
    "MAIL FROM:<a@example.test>\r\n",
    "XFORWARD NAME=x\r\n",
    "RCPT TO:<root@mx.example.test>\r\n",
    "DATA\r\n",
    kContent,
    // The forwarded attributes were for that message only.
    "MAIL FROM:<b@example.test>\r\n",
    "RCPT TO:<root@mx.example.test>\r\n",
    "DATA\r\n",
    kContent,
    "QUIT\r\n",
};

std::vector<std::string> queue_ids(const std::vector<std::string>& replies) {
  std::vector<std::string> out;
  for (const auto& r : replies)
    if (auto at = r.find("queued as "); at != std::string::npos) out.push_back(r.substr(at + 10));
  return out;
}

// The envelope records postcat -e shows, without times, the queue ID and
// the real connection's (ephemeral) ports.
std::string envelope(const std::string& postcat, const std::string& config_dir,
                     const std::string& qid) {
  auto r = test::run({postcat, "-c", config_dir, "-e", "-q", qid});
  std::istringstream in(r.out);
  std::string line, out;
  static const std::regex kEphemeral(R"(((client|server)_port)=\d{5}\b)");
  while (std::getline(in, line)) {
    if (!line.starts_with("named_attribute: ") && !line.starts_with("sender: ") &&
        !line.starts_with("recipient: ") && !line.starts_with("original_recipient: "))
      continue;
    if (line.find("create_time") != std::string::npos) continue;
    if (auto at = line.find(qid); at != std::string::npos) line.replace(at, qid.size(), "QID");
    out += std::regex_replace(line, kEphemeral, "$1=PORT") + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("XCLIENT and XFORWARD: replies, log lines and queue files as Postfix 3.7.11",
          "[smtpd][oracle]") {
  if (test::skip_unless_root("whole instances switch users") ||
      test::skip_without("/usr/sbin/postfix", "Debian's Postfix 3.7 is the oracle"))
    return;
  smtpd_test::PostfixOracle oracle(kConfig);
  INFO(oracle.why());
  REQUIRE(oracle.ok());
  smtpd_test::SmtpdOptions o;
  o.main_cf = kConfig;
  smtpd_test::SmtpdInstance ours(o);
  REQUIRE(ours.start().exit_status == 0);
  const size_t our_start = smtpd_test::log_start(ours);

  std::vector<std::string> their_ids, our_ids;
  for (const auto* steps : {&kXclient, &kXforward}) {
    auto theirs = smtpd_test::raw_dialogue(oracle.port(), *steps);
    auto mine = smtpd_test::raw_dialogue(ours.port(), *steps);
    REQUIRE(theirs.size() == mine.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      INFO((i == 0 ? std::string("banner") : (*steps)[i - 1]));
      if (mine[i].find("queued as") != std::string::npos)
        CHECK(theirs[i].find("queued as") != std::string::npos);
      else
        CHECK(mine[i] == theirs[i]);
    }
    for (const auto& id : queue_ids(theirs)) their_ids.push_back(id);
    for (const auto& id : queue_ids(mine)) our_ids.push_back(id);
  }
  // The EHLO keywords for an authorized client.
  auto ehlo = smtpd_test::raw_dialogue(ours.port(), {"EHLO c.example\r\n", "QUIT\r\n"});
  CHECK(ehlo[1].find("\n250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR "
                     "DESTPORT\n250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\n") !=
        std::string::npos);

  const std::string pattern = "hold:|reject:|client=|^disconnect from";
  std::vector<std::string> theirs_log, our_log;
  master_test::eventually([&] {
    theirs_log = smtpd_test::smtpd_log_lines(oracle.log(), pattern);
    our_log = smtpd_test::smtpd_log_lines(ours.log().substr(our_start), pattern);
    return theirs_log.size() >= 9 && our_log.size() >= theirs_log.size() + 1;
  });
  INFO("their log:\n" << oracle.log() << "\nour log:\n" << ours.log());
  REQUIRE(our_log.size() == theirs_log.size() + 1);  // + the EHLO-only session
  for (size_t i = 0; i < theirs_log.size(); ++i) CHECK(our_log[i] == theirs_log[i]);
  CHECK(std::find(our_log.begin(), our_log.end(),
                  "QID: client=CLIENT[127.0.0.1], orig_queue_id=abc123, "
                  "orig_client=fwd.example[10.1.1.1]") != our_log.end());

  REQUIRE(their_ids.size() == 3);
  REQUIRE(our_ids.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    std::string theirs = envelope("/usr/sbin/postcat", oracle.path(), their_ids[i]);
    std::string mine = envelope(test::command("postcat"), ours.instance().path(), our_ids[i]);
    INFO("message " << i);
    CHECK(!theirs.empty());
    CHECK(mine == theirs);
  }
  // What XCLIENT's client looks like in the Received: header.
  auto cat = test::run(
      {test::command("postcat"), "-c", ours.instance().path(), "-b", "-h", "-q", our_ids[0]});
  CHECK(cat.out.find("Received: from h.example (foo.example [10.0.0.5])\n\tby mx.example.test "
                     "(Postfix) with ESMTPA id " +
                     our_ids[0]) != std::string::npos);
}
