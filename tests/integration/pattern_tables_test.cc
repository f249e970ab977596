// regexp:, pcre: and cidr: tables queried with our postmap -q and with
// Postfix's /usr/sbin/postmap on the same files: same answers, same exit
// status, same warnings for the bad rules in tests/data/patterns/*.map.
#include <catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(test::data_file("patterns/" + name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs PROGRAM -c DIR -q KEY TYPE:MAP in DIR (the map named relatively, so
// the warnings of both programs name the same file).
test::RunResult query(const std::string& program, const test::TempDir& dir,
                      const std::string& key, const std::string& table,
                      const std::string& input = "") {
  test::RunOptions options;
  options.cwd = dir.path();
  options.stdin_text = input;
  return test::run({program, "-c", dir.path(), "-q", key, table}, options);
}

void compare(const std::string& type, const std::string& map,
             const std::vector<std::string>& keys) {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  if (test::skip_without(test::command("postmap"), "our postmap")) return;
  test::TempDir dir;
  dir.write("main.cf", "myhostname = test.example\n");
  dir.write(map, read_data(map));
  const std::string table = type + ":" + map;
  std::string batch;
  for (const std::string& key : keys) {
    INFO(table << " key [" << key << "]");
    auto theirs = query("/usr/sbin/postmap", dir, key, table);
    auto ours = query(test::command("postmap"), dir, key, table);
    CHECK(ours.out == theirs.out);
    CHECK(ours.err == theirs.err);
    CHECK(ours.exit_status == theirs.exit_status);
    if (key.find('\n') == std::string::npos) batch += key + "\n";
  }
  INFO(table << " keys from stdin");
  auto theirs = query("/usr/sbin/postmap", dir, "-", table, batch);
  auto ours = query(test::command("postmap"), dir, "-", table, batch);
  CHECK(ours.out == theirs.out);
  CHECK(ours.err == theirs.err);
  CHECK(ours.exit_status == theirs.exit_status);
}

}  // namespace

TEST_CASE("postmap -q answers regexp tables as Postfix does, warnings included",
          "[tables][interop]") {
  compare("regexp", "regexp.map",
          {"joe@example.com", "Joe@Example.COM", "X-Case: spam", "X-Case: Spam", "noat",
           "postmaster@example.org", "ab@example.org", "c@example.org", "abuse@example.org",
           "dd@host", "a|b@x", "multi@x", "last@x", "zzz@x", "nothing@nowhere"});
}

TEST_CASE("postmap -q answers pcre tables as Postfix's plug-in does, warnings included",
          "[tables][interop]") {
  compare("pcre", "pcre.map",
          {"Joe@Example.com", "X-Case: spam", "X-Case: Spam", "dot\nall", "dot\nany", "abc@x",
           "ddd@x", "noat", "b@example.org", "obsolete@x", "never-inner@x", "zz@x"});
}

TEST_CASE("postmap -q answers cidr tables as Postfix does, warnings included",
          "[tables][interop]") {
  compare("cidr", "cidr.map",
          {"192.168.1.1", "1.2.3.4", "10.1.1.1", "2001:db8::1", "2001:DB8::5", "::1",
           "172.16.1.1", "172.16.1.2", "10.9.1.1", "[2001:db8::1]", "foo"});
}
