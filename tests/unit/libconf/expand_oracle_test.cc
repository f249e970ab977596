// Expansion compared with Postfix 3.7's own postconf on every case in
// tests/data/conf/expand_cases.txt (value, or the warning before "macro
// processing error"). Needs the oracle at /usr/sbin/postconf.
#include <catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "libconf/config.h"
#include "tests/support/log_capture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

// postconf prints values with runs of whitespace collapsed.
std::string collapse(const std::string& s) {
  std::istringstream in(s);
  std::string word;
  std::string out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::vector<std::string> warnings(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  std::string line;
  const std::string marker = "postconf: warning: ";
  while (std::getline(in, line)) {
    auto at = line.find(marker);
    if (at == std::string::npos) continue;
    std::string text = line.substr(at + marker.size());
    if (text.find("unused parameter") != std::string::npos) continue;
    if (text.find("undefined parameter") != std::string::npos) continue;
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  }
  return out;
}

}  // namespace

TEST_CASE("expansion matches Postfix's postconf -x on every recorded case", "[conf][interop]") {
  if (test::skip_without("/usr/sbin/postconf", "interop")) return;
  std::ifstream cases(test::data_file("conf/expand_cases.txt"));
  REQUIRE(cases);
  std::vector<std::string> values;
  for (std::string value; std::getline(cases, value);) values.push_back(value);
  REQUIRE(values.size() > 100);

  // One directory per case, and one shell running the oracle over all of
  // them: a process per case from here is too slow on a busy machine.
  test::TempDir dir;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string sub = "c" + std::to_string(i);
    dir.write(sub + "/main.cf", "mydomain = example.com\nmyhostname = host.example.com\n"
                                "empty_p =\nsmtpd_banner = " + values[i] + "\n");
    dir.write(sub + "/master.cf", "");
  }
  std::string script = "i=0; while [ -d c$i ]; do echo \"@@case $i\"; "
                       "/usr/sbin/postconf -c c$i -xh smtpd_banner 2>&1; i=$((i+1)); done";
  test::RunOptions run_options;
  run_options.cwd = dir.path();
  run_options.timeout_seconds = 300;
  auto oracle = test::run({"/bin/sh", "-c", script}, run_options);
  REQUIRE(oracle.exit_status == 0);
  std::vector<std::string> outputs(values.size());
  {
    std::istringstream in(oracle.out);
    long current = -1;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("@@case ")) {
        current = std::stol(line.substr(7));
        continue;
      }
      if (current >= 0) outputs[current] += line + "\n";
    }
  }

  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& text = outputs[i];
    bool oracle_failed = text.find("fatal: macro processing error") != std::string::npos;
    auto oracle_warnings = warnings(text);
    std::string oracle_value;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find("postconf: ") == std::string::npos) oracle_value += line;

    conf::LoadOptions options;
    options.config_dir = dir.path() + "/c" + std::to_string(i);
    auto config = conf::Config::load(options);
    REQUIRE(config);
    test::LogCapture log;
    auto ours = config->expand("smtpd_banner");
    INFO("value: " << values[i] << "\noracle: " << text);
    if (oracle_failed) {
      REQUIRE_FALSE(ours);
      REQUIRE_FALSE(oracle_warnings.empty());
      CHECK(ours.error().message == oracle_warnings.back());
    } else {
      REQUIRE(ours);
      CHECK(collapse(*ours) == collapse(oracle_value));
      for (const std::string& w : oracle_warnings) CHECK(log.contains("warning: " + w));
    }
  }
}
