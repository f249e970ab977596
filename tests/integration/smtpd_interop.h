// Helpers for tests that play one SMTP dialogue against Debian's Postfix
// (smtpd_oracle_fixture.h) and against our smtpd and compare: the replies,
// and the policy lines each logs. Users: smtpd_restrictions_interop_test.cc,
// smtpd_dns_restrictions_test.cc.
// Easy to get wrong: the logs are written asynchronously (postlogd, or
// Postfix's maillog service), so compare only once both hold all lines.
#pragma once

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/master_fixture.h"
#include "tests/support/smtp_client.h"

namespace smtpd_test {

// "COMMAND -> last reply line" for each command.
inline std::vector<std::string> run_dialogue(int port, const std::vector<std::string>& dialogue) {
  std::vector<std::string> replies;
  util::Result<test::SmtpClient> c = util::fail("not connected");
  master_test::eventually([&] {
    c = test::SmtpClient::connect("127.0.0.1", port, std::chrono::seconds(5));
    return c.has_value();
  });
  if (!c) return {"(connect failed)"};
  auto banner = c->banner();
  if (!banner) return {"(no banner)"};
  for (const auto& cmd : dialogue) {
    auto r = c->command(cmd);
    replies.push_back(cmd + " -> " + (r ? r->last() : "(error " + r.error().message + ")"));
  }
  return replies;
}

struct PolicyLineOptions {
  // Keep the client's name ("from client.example.test[127.0.0.1]"); by
  // default it becomes CLIENT (the instances may see the host differently).
  bool keep_client_name = false;
  // Also smtpd's "warning: ..." lines.
  bool warnings = false;
};

// smtpd's reject/warn/hold/... lines without time, pid and queue id.
inline std::vector<std::string> policy_lines(const std::string& log,
                                             const PolicyLineOptions& options = {}) {
  static const std::regex kLine(
      R"(smtpd\[\d+\]: (\w+): (reject|reject_warning|warn|hold|discard|redirect|filter): (.*))");
  static const std::regex kWarning(R"(smtpd\[\d+\]: (warning: .*))");
  static const std::regex kClient(R"(from [^ \[]*\[127\.0\.0\.1\])");
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (options.warnings && std::regex_search(line, m, kWarning)) {
      out.push_back(m[1].str());
      continue;
    }
    if (!std::regex_search(line, m, kLine)) continue;
    std::string qid = m[1] == "NOQUEUE" ? "NOQUEUE" : "QID";
    std::string text = options.keep_client_name
                           ? m[3].str()
                           : std::regex_replace(m[3].str(), kClient, "from CLIENT[127.0.0.1]");
    out.push_back(qid + ": " + m[2].str() + ": " + text);
  }
  return out;
}

}  // namespace smtpd_test
