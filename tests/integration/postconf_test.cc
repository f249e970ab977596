// postconf against Postfix 3.7's own postconf (the oracle) on the same
// scratch configuration directories: listings, master.cf views, edits,
// warnings and exit codes. Tests that need the oracle skip loudly without it.
#include <catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "libutil/strings.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

const std::string kOracle = "/usr/sbin/postconf";

std::string data(const std::string& name) {
  std::ifstream in(test::data_file("postconf/" + name), std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

// Postfix prints some warnings several times and in hash order: compare the
// set of lines, with the program name and the config directory normalised.
std::set<std::string> warnings(std::string err, const std::string& program,
                               const std::string& dir) {
  replace_all(err, program, "postconf");
  replace_all(err, dir, "DIR");
  std::set<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

struct Both {
  test::RunResult ours;
  test::RunResult oracle;
};

Both run_both(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> ours = {test::command("postconf"), "-c", dir};
  std::vector<std::string> oracle = {kOracle, "-c", dir};
  ours.insert(ours.end(), args.begin(), args.end());
  oracle.insert(oracle.end(), args.begin(), args.end());
  return {test::run(ours), test::run(oracle)};
}

void check_same(const std::string& dir, const std::vector<std::string>& args) {
  std::string what;
  for (const auto& a : args) what += " " + a;
  INFO("postconf -c DIR" << what);
  Both r = run_both(dir, args);
  CHECK(r.ours.out == r.oracle.out);
  CHECK(r.ours.exit_status == r.oracle.exit_status);
  CHECK(warnings(r.ours.err, test::command("postconf"), dir) ==
        warnings(r.oracle.err, kOracle, dir));
}

// A configuration directory holding the given main.cf and master.cf.
struct ConfigDir {
  test::TempDir tmp;
  ConfigDir(const std::string& main_cf, const std::string& master_cf) {
    tmp.write("main.cf", main_cf);
    tmp.write("master.cf", master_cf);
  }
  const std::string& path() const { return tmp.path(); }
};

// Runs the same edit on two copies and compares the files and messages.
void check_same_edit(const std::string& main_cf, const std::string& master_cf,
                     const std::vector<std::string>& args) {
  ConfigDir ours_dir(main_cf, master_cf), oracle_dir(main_cf, master_cf);
  std::vector<std::string> ours = {test::command("postconf"), "-c", ours_dir.path()};
  std::vector<std::string> oracle = {kOracle, "-c", oracle_dir.path()};
  ours.insert(ours.end(), args.begin(), args.end());
  oracle.insert(oracle.end(), args.begin(), args.end());
  std::string what;
  for (const auto& a : args) what += " '" + a + "'";
  INFO("postconf -c DIR" << what);
  auto a = test::run(ours);
  auto b = test::run(oracle);
  CHECK(a.exit_status == b.exit_status);
  CHECK(warnings(a.err, test::command("postconf"), ours_dir.path()) ==
        warnings(b.err, kOracle, oracle_dir.path()));
  CHECK(ours_dir.tmp.read("main.cf") == oracle_dir.tmp.read("main.cf"));
  CHECK(ours_dir.tmp.read("master.cf") == oracle_dir.tmp.read("master.cf"));
}

}  // namespace

TEST_CASE("postconf -M of Debian's master.cf is Postfix's normalised listing", "[postconf]") {
  ConfigDir dir("", data("master.cf.debian"));
  auto r = test::run({test::command("postconf"), "-c", dir.path(), "-M"});
  CHECK(r.exit_status == 0);
  CHECK(r.out == data("postconf-M.debian.txt"));
  CHECK(r.err.empty());
}

TEST_CASE("postconf -e replaces in place, appends new names and keeps comments", "[postconf]") {
  ConfigDir dir("# hdr\na = 1\n  cont\n# mid\nb=2\n", "");
  auto r = test::run({test::command("postconf"), "-c", dir.path(), "-e", "a=x", "zz =", "c = new"});
  CHECK(r.exit_status == 0);
  CHECK(dir.tmp.read("main.cf") == "# hdr\na = x\n# mid\nb=2\nzz = \nc = new\n");
  r = test::run({test::command("postconf"), "-c", dir.path(), "-#", "b"});
  CHECK(dir.tmp.read("main.cf") == "# hdr\na = x\n# mid\n#b=2\nzz = \nc = new\n");
  r = test::run({test::command("postconf"), "-c", dir.path(), "-X", "a", "zz"});
  CHECK(dir.tmp.read("main.cf") == "# hdr\n# mid\n#b=2\nc = new\n");
}

TEST_CASE("postconf rejects bad usage with Postfix's messages and status 1", "[postconf]") {
  ConfigDir dir("", "");
  auto r = test::run({test::command("postconf"), "-c", dir.path(), "-d", "-n"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("fatal: specify one of -d -n") != std::string::npos);
  r = test::run({test::command("postconf"), "-c", dir.path(), "-e", "bad name=1"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("fatal: missing '=' after attribute name: \"bad name=1\"") != std::string::npos);
  r = test::run({test::command("postconf"), "-c", "/nonexistent/dir", "-n"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("fatal: open /nonexistent/dir/main.cf: No such file or directory") !=
        std::string::npos);
  r = test::run({test::command("postconf"), "-Z"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("invalid option -- 'Z'") != std::string::npos);
  CHECK(r.err.find("fatal: usage: ") != std::string::npos);
}

TEST_CASE("postconf -n shows config_directory when -c or MAIL_CONFIG chose it", "[postconf]") {
  ConfigDir dir("myhostname = h.example.com\n", "");
  test::RunOptions env;
  env.env["MAIL_CONFIG"] = dir.path();
  auto r = test::run({test::command("postconf"), "-n"}, env);
  CHECK(r.exit_status == 0);
  CHECK(r.out == "config_directory = " + dir.path() + "\nmyhostname = h.example.com\n");
}

TEST_CASE("postconf's process_name is the last component of argv[0]", "[postconf]") {
  // The test runs postconf by a full path, as an administrator may.
  ConfigDir dir("", "");
  auto r = test::run({test::command("postconf"), "-c", dir.path(), "-h", "process_name"});
  CHECK(r.exit_status == 0);
  CHECK(r.out == "postconf\n");
}

TEST_CASE("postconf listings match Postfix's", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  ConfigDir example(data("main.cf.example"), data("master.cf.example"));
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"-n"},
           {"-nf"},
           {"-nH"},
           {"-nx"},
           {"-h", "myhostname"},
           {"-x", "smtpd_banner"},
           {"-xh", "smtpd_banner", "relayhost"},
           {"smtpd_banner", "nosuch", "myhostname", "unref_custom", "empty_p"},
           {"-n", "myhostname", "relayhost", "mail_name", "nosuch"},
           {"-o", "myhostname=x.y", "-x", "myorigin"},
           {"-o", "unref_custom=2", "unref_custom"},
           {"-d", "mua_client_restrictions", "relay_destination_concurrency_limit",
            "bsmtp_time_limit", "mail_name"},
       })
    check_same(example.path(), args);

  ConfigDir fold(data("main.cf.fold"), "");
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"-n"}, {"-nf"}, {"-nhf"}})
    check_same(fold.path(), args);

  ConfigDir bad(data("main.cf.bad_macro"), "");
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"-n"}, {"-x", "a"}, {"-x", "b"}})
    check_same(bad.path(), args);

  check_same("/nonexistent/postconf-dir", {"-n"});
  check_same(example.path(), {"-d", "-n"});
  check_same(example.path(), {"-M", "-F"});
}

TEST_CASE("postconf -d defaults match Postfix's for parameters that do not depend on the host",
          "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  ConfigDir dir("", data("master.cf.debian"));
  check_same(dir.path(),
             {"-d", "alias_maps", "append_dot_mydomain", "compatibility_level",
              "default_database_type", "delay_warning_time", "hash_queue_names",
              "header_size_limit", "local_recipient_maps", "mailbox_size_limit",
              "maximal_queue_lifetime", "message_size_limit", "mydestination", "myorigin",
              "relay_domains", "smtpd_banner", "smtpd_relay_restrictions",
              "smtpd_forbidden_commands", "smtpd_timeout", "smtputf8_enable", "syslog_name",
              "relay_destination_concurrency_limit", "maildrop_time_limit", "mail_version"});
  check_same(dir.path(), {"-dx", "smtputf8_enable", "append_dot_mydomain", "relay_domains"});
}

TEST_CASE("postconf master.cf views match Postfix's", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  for (const char* file :
       {"master.cf.debian", "master.cf.tricky", "master.cf.example", "master.cf.short_words"}) {
    ConfigDir dir(data("main.cf.example"), data(file));
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"-M"},
             {"-Mf"},
             {"-F"},
             {"-P"},
             {"-PH"},
             {"-Fh"},
             {"-M", "smtp"},
             {"-M", "*/unix", "smtp/inet"},
             {"-M", "nosuch/unix"},
             {"-M", "sm*"},
             {"-F", "*/*/chroot", "smtp/inet/command"},
             {"-F", "smtp/inet/bogus"},
             {"-P", "*/*/syslog_name"},
             {"-Ff"},
             {"-Ffh"},
             {"-Mx"},
             {"-Px"},
             {"-Mfx"},
         })
      check_same(dir.path(), args);
  }
}

TEST_CASE("postconf main.cf edits leave the same file as Postfix's", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  const std::string main_cf = data("main.cf.edit");
  const std::string master_cf = data("master.cf.edit");
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"-e", "a=x"},
           {"-e", " spaced  =  value  with  spaces  "},
           {"-e", "zz="},
           {"-e", "a=1", "a=2"},
           {"-X", "a", "d", "nosuch"},
           {"-#", "a", "b"},
           {"-e", "bad name=1"},
           {"-e", "noeq"},
           {"-X", "a=1"},
           {"-e", "indented=9"},
           {"b=3"},
       })
    check_same_edit(main_cf, master_cf, args);
  check_same_edit("x = 1\nz=3", "", {"-e", "a=b=c"});
}

TEST_CASE("postconf master.cf edits leave the same file as Postfix's", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  const std::string master_cf = data("master.cf.edit");
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"-Me", "new/unix = new unix - n n - - local"},
           {"-Me", "smtp/inet = smtp inet n - n - - smtpd -o b=2"},
           {"-Me", "new/unix = a unix - n n - - local", "x/unix = x unix - - - - - a"},
           {"-MX", "x/unix"},
           {"-MX", "smtp"},
           {"-MX", "*/unix"},
           {"-M#", "smtp/inet"},
           {"-M#", "127.0.0.1:2525/inet", "x/unix"},
           {"-Fe", "smtp/inet/chroot = n"},
           {"-Fe", "127.0.0.1:2525/inet/chroot = y"},
           {"-Fe", "x/unix/command = foo bar"},
           {"-Fe", "*/*/chroot=y"},
           {"-Fe", "x/unix/type=bogus"},
           {"-Fe", "x/unix/bogus=1"},
           {"-Fe", "nosuch/unix/chroot=y"},
           {"-Pe", "smtp/inet/a=2", "smtp/inet/newp=9"},
           {"-Pe", "*/unix/a=1"},
           {"-Pe", "x/unix/z = 4 5"},
           {"-PX", "smtp/inet/a"},
           {"-PX", "x/unix"},
       })
    check_same_edit("", master_cf, args);
  const std::string tricky = data("master.cf.tricky");
  check_same_edit("", tricky, {"-Pe", "e/unix/x=9", "e/unix/new=1", "r/unix/n=2"});
  check_same_edit("", tricky, {"-PX", "e/unix/w"});
  check_same_edit("", tricky, {"-Fe", "q/unix/chroot=y"});
  const std::string no_final_newline = "a unix - - - - - cmd\nb unix - - - - - cmd2";
  check_same_edit("", no_final_newline, {"-MX", "a/unix"});
  check_same_edit("", no_final_newline, {"-Me", "c/unix = c unix - - - - - x"});
  check_same_edit("", no_final_newline, {"-M#", "b/unix"});
  check_same_edit("", data("master.cf.debian"), {"-M#", "maildrop/unix"});
  check_same_edit("", data("master.cf.debian"), {"-Fe", "*/*/chroot=n"});
}

TEST_CASE("postconf -m, -a, -A and -l match Postfix's", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  ConfigDir dir("", "");
  for (const char* opt : {"-a", "-A", "-l", "-Z", "-T"}) check_same(dir.path(), {opt});
  check_same(dir.path(), {"-T", "bogus"});
}

// postconf-m.txt is Postfix 3.7.11's list without plug-ins; Postern has
// pcre: built in, where Debian's Postfix lists it once postfix-pcre is
// installed (it is a dynamicmaps.cf plug-in there).
static std::string with_pcre(std::string listing) {
  if (listing.find("\npcre\n") == std::string::npos) {
    size_t at = listing.find("pipemap\n");
    REQUIRE(at != std::string::npos);
    listing.insert(at, "pcre\n");
  }
  return listing;
}

TEST_CASE("postconf -m prints Postfix's table types, byte for byte, with pcre built in",
          "[postconf][tables]") {
  ConfigDir dir("", "");
  auto r = test::run({test::command("postconf"), "-c", dir.path(), "-m"});
  REQUIRE(r.exit_status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == with_pcre(data("postconf-m.txt")));
}

TEST_CASE("postconf -m equals Postfix's postconf -m", "[postconf][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  ConfigDir dir("", "");
  Both r = run_both(dir.path(), {"-m"});
  REQUIRE(r.ours.exit_status == 0);
  REQUIRE(r.oracle.exit_status == 0);
  // Without postfix-pcre the oracle omits pcre, which Postern always has.
  CHECK(r.ours.out == with_pcre(r.oracle.out));
}
