// sendmail and postdrop as a user runs them: a scratch main.cf whose
// queue_directory is a temp dir (maildrop/ and public/ only, no master) and
// whose command_directory is the build tree's sbin, so our sendmail execs
// our postdrop. Checked against the maildrop files Postfix 3.7.11 wrote
// (record shapes) and, where installed, Postfix's own sendmail and postcat.
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "libutil/socket.h"
#include "tests/integration/sendmail_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

using sendmail_test::Instance;
using sendmail_test::Pair;
using sendmail_test::records_of;
using sendmail_test::without_time;

TEST_CASE("sendmail stores a maildrop file with postdrop's records and mode 0744", "[submit]") {
  Instance in;
  auto r = in.sendmail({"-f", "root@example.test", "-F", "Root Name", "-N", "success,delay",
                        "-R", "hdrs", "-V", "envid123", "cmpuser@example.test",
                        "other@example.org"},
                       "Subject: maildrop root\nTo: cmpuser@example.test\n\nbody from root\n"
                       ">From x\nFrom y\n");
  CHECK(r.exit_status == 0);
  CHECK(r.err == "postdrop: warning: unable to look up public/pickup: No such file or directory\n");
  std::string path = in.only_file();
  std::string id = path.substr(path.rfind('/') + 1);
  CHECK(std::regex_match(id, std::regex("[0-9A-F]{5}[0-9A-F]+")));
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0744);
  CHECK(st.st_uid == ::getuid());
  // The record list of samples/queue/maildrop_root (Postfix 3.7.11).
  std::vector<Pair> want = {
      {'A', "envelope_id=envid123"}, {'A', "ret_flags=2"},
      {'A', "rewrite_context=local"}, {'F', "Root Name"},
      {'S', "root@example.test"},    {'A', "notify_flags=10"},
      {'R', "cmpuser@example.test"}, {'A', "notify_flags=10"},
      {'R', "other@example.org"},    {'M', ""},
      {'N', "Subject: maildrop root"}, {'N', "To: cmpuser@example.test"},
      {'N', ""},                     {'N', "body from root"},
      {'N', ">From x"},              {'N', "From y"},
      {'X', ""},                     {'E', ""}};
  CHECK(without_time(records_of(path)) == want);
}

TEST_CASE("sendmail -t puts header recipients after X and keeps the command line ones",
          "[submit]") {
  Instance in;
  auto r = in.sendmail({"-t", "-F", "Full N", "extra@w.test"},
                       "Subject: t\nTo: a@x.test, b@y.test\nCc: a@x.test\nBcc: hid@z.test\n\n"
                       "body\n.\nafter\n");
  CHECK(r.exit_status == 0);
  auto got = without_time(records_of(in.only_file()));
  std::vector<Pair> want = {{'A', "rewrite_context=local"}, {'F', "Full N"}, {'S', "root"},
                            {'R', "extra@w.test"},         {'M', ""},
                            {'N', "Subject: t"},           {'N', "To: a@x.test, b@y.test"},
                            {'N', "Cc: a@x.test"},         {'N', "Bcc: hid@z.test"},
                            {'N', ""},                     {'N', "body"},
                            {'X', ""},                     {'R', "a@x.test"},
                            {'R', "b@y.test"},             {'R', "a@x.test"},
                            {'R', "hid@z.test"},           {'E', ""}};
  if (::getuid() == 0) CHECK(got == want);
}

TEST_CASE("sendmail -i keeps a lone dot; long and unterminated lines become L records",
          "[submit]") {
  Instance in;
  std::string longline(3000, 'x');
  auto r = in.sendmail({"-i", "-f", "s@x", "a@b"},
                       "Subject: x\r\n\r\n..dot\r\n.\n" + longline + "\nnoeol");
  CHECK(r.exit_status == 0);
  auto got = without_time(records_of(in.only_file()));
  std::vector<Pair> tail(got.begin() + 5, got.end());
  std::vector<Pair> want = {{'N', "Subject: x"},
                            {'N', ""},
                            {'N', "..dot"},
                            {'N', "."},
                            {'L', std::string(2048, 'x')},
                            {'N', std::string(952, 'x')},
                            {'L', "noeol"},
                            {'X', ""},
                            {'E', ""}};
  CHECK(tail == want);
}

TEST_CASE("sendmail errors use Postfix's texts and exit 75, leaving no file", "[submit]") {
  Instance in;
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  std::vector<Case> cases = {
      {{}, "sendmail: fatal: root(0): Recipient addresses must be specified on the command "
           "line or via the -t option\n"},
      {{"-t"}, "sendmail: fatal: root(0): No recipient addresses found in message header\n"},
      {{"-B", "BOGUS", "a"}, "sendmail: fatal: -B option needs 8BITMIME or 7BIT\n"},
      {{"-Z", "a"}, "sendmail: invalid option -- 'Z'\nsendmail: invalid option -- 'Z'\n"
                    "sendmail: fatal: usage: sendmail [options]\n"},
      {{"-qS"}, "sendmail: fatal: -qS is not implemented\n"},
      {{"-qR", "x"}, "sendmail: fatal: specify: -qRsitename\n"},
      {{"-bx"}, "sendmail: fatal: unsupported: -bx\n"},
      {{"-f", "", "-XV", "a"}, "sendmail: fatal: (0): -V option requires non-null sender address\n"},
  };
  for (const auto& c : cases) {
    if (::getuid() != 0 && c.err.find("(0)") != std::string::npos) continue;
    std::string label = c.args.empty() ? "(none)" : c.args[0];
    INFO(label);
    auto r = in.sendmail(c.args, "Subject: x\n\nbody\n");
    CHECK(r.exit_status == 75);
    CHECK(r.err == c.err);
  }
  CHECK(in.files().empty());
}

TEST_CASE("sendmail warns about bad -N and -R values and goes on", "[submit]") {
  Instance in;
  auto r = in.sendmail({"-N", "bogus", "-R", "bogus", "a@b"}, "x\n");
  CHECK(r.exit_status == 0);
  CHECK(r.err.find("sendmail: warning: unknown DSN NOTIFY command value \"bogus\" in \"bogus\"\n"
                   "sendmail: warning: bad -N option value -- ignored\n"
                   "sendmail: warning: bad -R option value -- ignored\n") == 0);
  CHECK(in.files().size() == 1);
}

TEST_CASE("postdrop wakes pickup with W and a NUL", "[submit]") {
  Instance in;
  auto listener = util::unix_listen(in.queue + "/public/pickup", 5);
  REQUIRE(listener);
  auto r = in.sendmail({"a@b"}, "x\n");
  CHECK(r.exit_status == 0);
  CHECK(r.err.empty());
  auto conn = util::accept_with_timeout(listener->get(), std::chrono::seconds(10));
  REQUIRE(conn);
  std::string got;
  char buf[16];
  ssize_t n;
  while ((n = ::read(conn->get(), buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  CHECK(got == std::string("W\0", 2));
  CHECK(in.files().size() == 1);
}

TEST_CASE("postdrop rejects malformed input and removes its file", "[submit]") {
  Instance in;
  test::RunOptions o;
  o.env["MAIL_CONFIG"] = in.conf;
  o.stdin_text = "garbage";
  auto r = test::run({test::command("postdrop"), "-r"}, o);
  CHECK(r.exit_status == 1);
  std::string uid = std::to_string(::getuid());
  CHECK(r.err == "postdrop: warning: stdin: unexpected EOF in data, record type 103 length 97\n"
                 "postdrop: fatal: uid=" + uid + ": malformed input\n");
  o.stdin_text = std::string("S\x01" "aM\x00Z\x00", 7);
  r = test::run({test::command("postdrop"), "-r"}, o);
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postdrop: fatal: uid=" + uid + ": unexpected record type: 90\n");
  // A clean end before E: sendmail gave up; nothing is left behind.
  o.stdin_text = "S\x01" "a";
  r = test::run({test::command("postdrop"), "-r"}, o);
  CHECK(r.exit_status == 0);
  CHECK(in.files().empty());
}

TEST_CASE("postdrop refuses to run without the maildrop directory", "[submit]") {
  Instance in;
  ::rmdir((in.queue + "/maildrop").c_str());
  auto r = in.sendmail({"a@b"}, "x\n");
  CHECK(r.exit_status == 75);
  CHECK(std::regex_search(r.err, std::regex("^postdrop: fatal: mail_queue_enter: create file "
                                            "maildrop/[0-9]+\\.[0-9]+: No such file or "
                                            "directory\n")));
  CHECK(r.err.find("sendmail: fatal: root(0): unable to execute ") != std::string::npos);
}

TEST_CASE("Postfix's postcat reads our maildrop file", "[submit][interop]") {
  if (test::skip_without("/usr/sbin/postcat", "interop")) return;
  Instance in;
  auto r = in.sendmail({"-f", "s@example.test", "rcpt@example.test"}, "Subject: hi\n\nbody\n");
  REQUIRE(r.exit_status == 0);
  std::string path = in.only_file();
  auto pc = test::run({"/usr/sbin/postcat", "-c", in.conf, path});
  CHECK(pc.exit_status == 0);
  CHECK(pc.err.empty());
  CHECK(pc.out.find("*** ENVELOPE RECORDS " + path + " ***\n") == 0);
  CHECK(pc.out.find("named_attribute: rewrite_context=local\n") != std::string::npos);
  CHECK(pc.out.find("sender: s@example.test\nrecipient: rcpt@example.test\n") !=
        std::string::npos);
  CHECK(pc.out.find("Subject: hi\n\nbody\n*** HEADER EXTRACTED") != std::string::npos);
}

TEST_CASE("our maildrop file equals Postfix's for the same submission", "[submit][interop]") {
  if (test::skip_without("/usr/sbin/sendmail", "interop")) return;
  if (::getuid() != 0) return;  // Postfix's -C needs root for a scratch directory
  Instance ours, theirs("/usr/sbin");
  std::vector<std::string> args = {"-t", "-i", "-N", "failure", "-XV", "-f", "me@example.test",
                                   "cmdline@example.test"};
  std::string input = "From me Mon\nTo: \"A, B\" <ab@x>, grp: g@y;\nResent-Cc: rc@z\n"
                      "Subject: s\n\n..x\n.\n" + std::string(2100, 'q') + "\nlast";
  auto a = ours.sendmail(args, input);
  auto b = theirs.sendmail(args, input, "/usr/sbin/sendmail");
  CHECK(a.exit_status == b.exit_status);
  CHECK(a.err == b.err);
  if (b.exit_status != 0 || theirs.files().size() != 1) return;
  CHECK(without_time(records_of(ours.only_file())) ==
        without_time(records_of(theirs.only_file())));
}

TEST_CASE("sendmail parses -f and recipients as addresses and records -B and -XV",
          "[submit]") {
  Instance in;
  auto r = in.sendmail({"-f", "Name <me@example.test>", "-B", "8BITMIME", "-XV", "N <c@d>",
                        "e@f, g@h"},
                       "x\n");
  CHECK(r.exit_status == 0);
  std::vector<Pair> want = {{'A', "rewrite_context=local"}, {'F', "root"},
                            {'S', "me@example.test"},      {'A', "encoding=8bit"},
                            {'V', "+="},                   {'R', "c@d"},
                            {'R', "e@f"},                  {'R', "g@h"},
                            {'M', ""},                     {'N', "x"},
                            {'X', ""},                     {'E', ""}};
  auto got = without_time(records_of(in.only_file()));
  if (::getuid() == 0) CHECK(got == want);  // F: root's GECOS name
  in.clear();
  r = in.sendmail({"-f", "<>", "a@b"}, "x\n");
  CHECK(r.exit_status == 0);
  CHECK(without_time(records_of(in.only_file()))[2] == Pair{'S', ""});
  in.clear();
  r = in.sendmail({"-f", "a b", "c"}, "x\n");
  CHECK(r.err.find("sendmail: warning: -f option specified malformed sender: a b\n") == 0);
  CHECK(without_time(records_of(in.only_file()))[2] == Pair{'S', "a"});
  in.clear();
  r = in.sendmail({"-XVxy", "-f", "a@b", "a@b"}, "x\n");
  CHECK(r.exit_status == 75);
  CHECK(r.err == "sendmail: fatal: -V requires two characters from -=+\n");
  CHECK(in.files().empty());
}

TEST_CASE("postdrop refuses records longer than line_length_limit and sendmail says so",
          "[submit]") {
  Instance in;
  auto r = in.sendmail({"-t"}, "To: " + std::string(3000, 'a') + "@b, c@d\n\nb\n");
  CHECK(r.exit_status == 75);
  std::string uid = std::to_string(::getuid());
  CHECK(r.err.find("postdrop: warning: stdin: illegal length 3002, record type 82\n"
                   "postdrop: fatal: uid=" + uid + ": malformed input\n"
                   "sendmail: warning: mail_stream_cleanup: close error\n"
                   "sendmail: fatal: ") == 0);
  CHECK(r.err.ends_with("(" + uid + "): queue file write error\n"));
  CHECK(in.files().empty());
}

TEST_CASE("a From line longer than the line limit is kept, not dropped", "[submit]") {
  Instance in;
  auto r = in.sendmail({"a@b"}, "From " + std::string(3000, 'a') + "\nSubject: x\n\nb\n");
  CHECK(r.exit_status == 0);
  auto got = without_time(records_of(in.only_file()));
  REQUIRE(got.size() > 6);
  CHECK(got[5] == Pair{'L', "From " + std::string(2043, 'a')});
  CHECK(got[6] == Pair{'N', std::string(957, 'a')});
}
