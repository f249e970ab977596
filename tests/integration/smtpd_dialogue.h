// smtpd_test::raw_dialogue and smtpd_log_lines: helpers for tests that send
// the same bytes to Debian's Postfix (smtpd_oracle_fixture.h) and to our
// smtpd (smtpd_fixture.h) and compare what comes back. Users: the bare
// newline, XCLIENT/XFORWARD and SMTPUTF8 tests.
// Easy to get wrong: each step is sent exactly as given (put the CRLF in
// yourself, or a bare LF on purpose) and then ONE reply is read; a server
// that hung up gives "(closed)" for that and every later step. Log lines
// reach the maillog asynchronously: compare them inside eventually().
#pragma once

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/master_fixture.h"
#include "tests/support/smtp_client.h"

namespace smtpd_test {

// The banner, then one reply per step: "250 2.1.0 Ok" (lines of a
// multi-line reply joined with "\n").
inline std::vector<std::string> raw_dialogue(int port, const std::vector<std::string>& steps) {
  util::Result<test::SmtpClient> c = util::fail("not connected");
  master_test::eventually([&] {
    c = test::SmtpClient::connect("127.0.0.1", port, std::chrono::seconds(10));
    return c.has_value();
  });
  if (!c) return {"(connect failed)"};
  std::vector<std::string> out;
  auto banner = c->banner();
  out.push_back(banner ? banner->text() : "(no banner)");
  bool closed = !banner;
  for (const auto& step : steps) {
    if (!closed && !c->send_raw(step)) closed = true;
    auto r = closed ? util::Result<test::SmtpReplyLines>(util::fail("closed")) : c->read_reply();
    if (!r) closed = true;
    out.push_back(closed ? "(closed)" : r->text());
  }
  return out;
}

// smtpd's log lines whose text (after "smtpd[PID]: ") matches `pattern`,
// with queue IDs replaced by QID and the name of a 127.0.0.1 client by
// CLIENT (Postfix's chroot and ours may resolve it differently).
inline std::vector<std::string> smtpd_log_lines(const std::string& log,
                                                const std::string& pattern) {
  static const std::regex kPrefix(R"(postfix/smtpd\[\d+\]: (.*))");
  static const std::regex kQid(R"(\b[0-9A-F]{10,12}\b)");
  static const std::regex kClient(R"([^ \[=]*\[127\.0\.0\.1\])");
  const std::regex wanted(pattern);
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, kPrefix)) continue;
    std::string text = m[1].str();
    if (!std::regex_search(text, wanted)) continue;
    text = std::regex_replace(text, kQid, "QID");
    out.push_back(std::regex_replace(text, kClient, "CLIENT[127.0.0.1]"));
  }
  return out;
}

// Where the log of a just-started instance of ours ends: start() probes
// the port with a connection of its own, whose lines a comparison must skip.
template <typename Instance>
size_t log_start(const Instance& ours) {
  ours.log_has("disconnect from");
  return ours.log().size();
}

}  // namespace smtpd_test
