// sendmail -bs: SMTP on stdin/stdout, served by our smtpd in stand-alone
// mode (smtpd -S) and queued through postdrop. Checked against Postfix
// 3.7.11's own `sendmail -bs` (same dialogue, same maildrop records), as a
// user other than root (set-gid postdrop does the writing), and end to end
// on a whole instance with swaks as the client.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <catch.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "libutil/child_process.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/sendmail_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using sendmail_test::Instance;
using sendmail_test::Pair;
using sendmail_test::records_of;
using sendmail_test::without_time;

namespace {

// Restrictions that would refuse everything: stand-alone mode trusts the
// local user and applies none of them (as Postfix). No proxymap either.
const std::string kRestrictive =
    "myhostname = mx.example.test\nlocal_recipient_maps =\nalias_maps =\n"
    "smtpd_client_restrictions = reject\nsmtpd_helo_restrictions = reject\n"
    "smtpd_sender_restrictions = reject\nsmtpd_recipient_restrictions = reject\n"
    "smtpd_relay_restrictions = reject\n";

std::string crlf(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

// A session with two messages, a refused recipient, an overlong command
// line, a HELO after EHLO (still "with ESMTP", as Postfix) and the commands
// stand-alone mode does not offer.
const std::string kSession = crlf({"EHLO me.example",
                                   "MAIL FROM:<alice@example.org>",
                                   "RCPT TO:<bob@remote.example>",
                                   "RCPT TO:<root@localhost>",
                                   "RCPT TO:<>",
                                   "RCPT TO:<" + std::string(3000, 'a') + "@b>",
                                   "DATA",
                                   "Subject: hi",
                                   "",
                                   "body",
                                   "..dot",
                                   std::string(3000, 'x'),
                                   ".",
                                   "HELO me.example",
                                   "MAIL FROM:<> BODY=8BITMIME",
                                   "RCPT TO:<a@b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig@x",
                                   "DATA",
                                   "x",
                                   ".",
                                   "VRFY root",
                                   "ETRN foo",
                                   "STARTTLS",
                                   "AUTH PLAIN",
                                   "XCLIENT NAME=x",
                                   "QUIT"});

// Replies with queue IDs as "ID".
std::string without_ids(const std::string& text) {
  return std::regex_replace(text, std::regex("queued as [0-9A-Za-z]+"), "queued as ID");
}

// A maildrop file's records without T, its queue ID and the date in the
// Received: header replaced, so two runs (or two implementations) compare.
std::vector<Pair> comparable(const std::string& path) {
  std::string id = path.substr(path.rfind('/') + 1);
  auto r = without_time(records_of(path));
  for (auto& [type, data] : r) {
    if (type != 'N') continue;
    if (auto at = data.find(" id " + id); at != std::string::npos)
      data.replace(at + 4, id.size(), "ID");
    data = std::regex_replace(data,
                              std::regex("[A-Z][a-z]{2}, [ 0-9][0-9] [A-Z][a-z]{2} [0-9]{4} "
                                         "[0-9:]{8} [-+][0-9]{4} \\([A-Z]+\\)"),
                              "DATE");
  }
  return r;
}

std::vector<std::vector<Pair>> all_comparable(const Instance& in) {
  std::vector<std::vector<Pair>> out;
  for (const auto& f : in.files()) out.push_back(comparable(in.queue + "/maildrop/" + f));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("sendmail -bs speaks Postfix's dialogue and queues each message through postdrop",
          "[submit][bs]") {
  if (test::skip_unless_root("sendmail takes -C DIR from root only")) return;
  Instance in;
  in.add_main_cf(kRestrictive);
  auto r = in.sendmail({"-bs", "-f", "ignored@example.test"}, kSession);
  CHECK(r.exit_status == 0);
  CHECK(r.err ==
        "postdrop: warning: unable to look up public/pickup: No such file or directory\n"
        "postdrop: warning: unable to look up public/pickup: No such file or directory\n");
  std::string ehlo =
      "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
      "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";
  CHECK(without_ids(r.out) ==
        "220 mx.example.test ESMTP Postfix\r\n" + ehlo +
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
            "501 5.1.3 Bad recipient address syntax\r\n501 5.1.3 Bad recipient address syntax\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as ID\r\n"
            "250 mx.example.test\r\n"
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
            "250 2.0.0 Ok: queued as ID\r\n"
            "252 2.0.0 root\r\n458 Unable to queue messages\r\n"
            "502 5.5.1 Error: command not implemented\r\n"
            "503 5.5.1 Error: authentication not enabled\r\n"
            "550 5.7.0 Error: insufficient authorization\r\n221 2.0.0 Bye\r\n");
  // The IDs in the replies are the maildrop files' names.
  std::smatch m;
  std::vector<std::string> ids;
  for (std::string rest = r.out; std::regex_search(rest, m, std::regex("queued as ([0-9A-F]+)"));
       rest = m.suffix())
    ids.push_back(m[1]);
  auto files = in.files();
  std::sort(files.begin(), files.end());
  std::sort(ids.begin(), ids.end());
  CHECK(files == ids);
  REQUIRE(files.size() == 2);
  // Records as Postfix 3.7.11's stand-alone smtpd gives postdrop: the
  // sender as typed (-f does not apply), an original recipient for each
  // recipient, no client attributes; postdrop adds T.
  std::vector<std::vector<Pair>> want = {
      {{'S', ""},
       {'A', "encoding=8bit"},
       {'A', "notify_flags=6"},
       {'A', "dsn_orig_rcpt=rfc822;orig@x"},
       {'R', "a@b"},
       {'M', ""},
       {'N', "Received: from me.example (localhost [127.0.0.1])"},
       {'N', "\tby mx.example.test (Postfix) with ESMTP id ID"},
       {'N', "\tfor <a@b>; DATE"},
       {'N', "x"},
       {'X', ""},
       {'E', ""}},
      {{'S', "alice@example.org"},
       {'A', "dsn_orig_rcpt=rfc822;bob@remote.example"},
       {'R', "bob@remote.example"},
       {'A', "dsn_orig_rcpt=rfc822;root@localhost"},
       {'R', "root@localhost"},
       {'M', ""},
       {'N', "Received: from me.example (localhost [127.0.0.1])"},
       {'N', "\tby mx.example.test (Postfix) with ESMTP id ID;"},
       {'N', "\tDATE"},
       {'N', "Subject: hi"},
       {'N', ""},
       {'N', "body"},
       {'N', ".dot"},
       {'L', std::string(2048, 'x')},
       {'N', std::string(952, 'x')},
       {'X', ""},
       {'E', ""}}};
  CHECK(all_comparable(in) == want);
  struct stat st {};
  REQUIRE(::stat((in.queue + "/maildrop/" + files[0]).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0744);
}

TEST_CASE("sendmail -bs answers and queues as Postfix's sendmail -bs does",
          "[submit][bs][interop]") {
  if (test::skip_without("/usr/sbin/sendmail", "interop")) return;
  if (test::skip_unless_root("Postfix's sendmail takes -C from root only")) return;
  Instance ours, theirs("/usr/sbin");
  ours.add_main_cf(kRestrictive);
  theirs.add_main_cf(kRestrictive);
  auto a = ours.sendmail({"-bs"}, kSession);
  auto b = theirs.sendmail({"-bs"}, kSession, "/usr/sbin/sendmail");
  CHECK(b.exit_status == 0);
  CHECK(theirs.files().size() == 2);
  CHECK(a.exit_status == b.exit_status);
  CHECK(without_ids(a.out) == without_ids(b.out));
  CHECK(a.err == b.err);
  CHECK(all_comparable(ours) == all_comparable(theirs));
}

TEST_CASE("sendmail -bs queues nothing that was not acknowledged when input ends early",
          "[submit][bs]") {
  if (test::skip_unless_root("sendmail takes -C DIR from root only")) return;
  Instance in;
  in.add_main_cf("myhostname = mx.example.test\n");
  std::string first = crlf(
      {"HELO me", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "Subject: one", "", "first", "."});
  // EOF inside DATA: the second message is dropped, the first stays.
  auto r = in.sendmail(
      {"-bs"},
      first + crlf({"MAIL FROM:<e@f>", "RCPT TO:<g@h>", "DATA", "Subject: cut", "", "partial"}) +
          "no end");
  CHECK(r.exit_status == 0);
  CHECK(without_ids(r.out) ==
        "220 mx.example.test ESMTP Postfix\r\n250 mx.example.test\r\n250 2.1.0 Ok\r\n"
        "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as ID\r\n"
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  std::string path = in.only_file();
  auto got = comparable(path);
  CHECK(got[0] == Pair{'S', "a@b"});
  CHECK(std::find(got.begin(), got.end(), Pair{'N', "first"}) != got.end());
  // EOF after RCPT, and RSET after RCPT: postdrop's file is gone too.
  in.clear();
  r = in.sendmail({"-bs"}, crlf({"HELO me", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "RSET",
                                 "MAIL FROM:<a@b>", "RCPT TO:<c@d>"}));
  CHECK(r.exit_status == 0);
  CHECK(in.files().empty());
}

TEST_CASE("sendmail -bs refuses a network client on stdin, as Postfix's", "[submit][bs]") {
  if (test::skip_unless_root("sendmail takes -C DIR from root only")) return;
  Instance in;
  auto listener = util::inet_listen("127.0.0.1:0", 1);
  REQUIRE(listener);
  auto port = util::local_port(listener->get());
  REQUIRE(port);
  auto client = util::inet_connect("127.0.0.1", std::to_string(*port), std::chrono::seconds(5));
  REQUIRE(client);
  auto conn = util::accept_with_timeout(listener->get(), std::chrono::seconds(5));
  REQUIRE(conn);
  util::SpawnOptions so;
  so.argv = {test::command("sendmail"), "-C", in.conf, "-bs"};
  so.fds = {{conn->get(), 0}, {conn->get(), 1}, {2, 2}};
  auto child = util::ChildProcess::spawn(so);
  REQUIRE(child);
  conn->reset();
  auto status = child->wait(std::chrono::seconds(20));
  REQUIRE(status);
  CHECK(status->exited());
  CHECK(status->code() == 1);  // smtpd's fatal, before any banner
  util::Stream peer(std::move(*client), std::chrono::seconds(5));
  CHECK_FALSE(peer.read_line(512));
  CHECK(in.files().empty());
}

TEST_CASE("sendmail -bs run by an ordinary user queues through set-gid postdrop", "[submit][bs]") {
  if (test::skip_unless_root("the test switches to nobody")) return;
  if (test::skip_without("unshare", "a private mount namespace")) return;
  if (test::skip_without("setpriv", "switching to nobody")) return;
  group* postdrop_group = ::getgrnam("postdrop");
  passwd* nobody = ::getpwnam("nobody");
  if (postdrop_group == nullptr || nobody == nullptr) {
    WARN("SKIPPED: needs the postdrop group and the nobody user");
    return;
  }
  if (test::run({"unshare", "-m", "true"}).exit_status != 0) {
    WARN("SKIPPED: no private mount namespace here (unshare -m fails)");
    return;
  }
  Instance in;
  struct statvfs fs {};
  if (::statvfs(in.dir.path().c_str(), &fs) == 0 && (fs.f_flag & ST_NOSUID) != 0) {
    WARN("SKIPPED: the temp directory is mounted nosuid, so postdrop cannot be set-gid");
    return;
  }
  in.add_main_cf("myhostname = mx.example.test\n");
  ::chmod(in.dir.path().c_str(), 0755);
  // postdrop as installed: set-gid postdrop, the only way into maildrop/.
  const std::string sbin = in.dir.path() + "/sbin";
  std::filesystem::create_directories(sbin);
  std::filesystem::copy_file(test::command("postdrop"), sbin + "/postdrop");
  REQUIRE(::chown((sbin + "/postdrop").c_str(), 0, postdrop_group->gr_gid) == 0);
  REQUIRE(::chmod((sbin + "/postdrop").c_str(), 02755) == 0);
  REQUIRE(::chown((in.queue + "/maildrop").c_str(), 0, postdrop_group->gr_gid) == 0);
  REQUIRE(::chmod((in.queue + "/maildrop").c_str(), 0730) == 0);
  in.add_main_cf("command_directory = " + sbin + "\n");
  // A set-gid program trusts only the configuration directories the
  // default main.cf names; give it one in a private mount namespace so the
  // real default directory is left alone.
  test::RunOptions o;
  o.env["MAIL_CONFIG"] = "";
  std::string default_dir =
      test::run({test::command("postconf"), "-dh", "config_directory"}, o).out;
  while (!default_dir.empty() && default_dir.back() == '\n') default_dir.pop_back();
  REQUIRE(!default_dir.empty());
  in.dir.write("default/main.cf", "alternate_config_directories = " + in.conf + "\n");
  std::string parent = default_dir.substr(0, default_dir.rfind('/'));
  std::string mount = std::filesystem::is_directory(default_dir)
                          ? "mount --bind " + in.dir.file("default") + " " + default_dir
                          : "mount -t tmpfs none " + parent + " && mkdir " + default_dir +
                                " && cp " + in.dir.file("default/main.cf") + " " + default_dir +
                                "/";
  std::string script = mount + " && exec setpriv --reuid=" + std::to_string(nobody->pw_uid) +
                       " --regid=" + std::to_string(nobody->pw_gid) +
                       " --clear-groups \"$0\" -C \"$1\" -bs";
  o.env.clear();
  o.stdin_text = crlf({"EHLO me.example", "MAIL FROM:<u@example.test>", "RCPT TO:<v@example.test>",
                       "DATA", "Subject: from nobody", "", "body", ".", "QUIT"});
  o.timeout_seconds = 30;
  auto r = test::run({"unshare", "-m", "sh", "-c", script, test::command("sendmail"), in.conf}, o);
  INFO(r.err);
  CHECK(r.exit_status == 0);
  CHECK(r.out.find("250 2.0.0 Ok: queued as ") != std::string::npos);
  std::string path = in.only_file();
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(st.st_uid == nobody->pw_uid);
  CHECK(st.st_gid == postdrop_group->gr_gid);
  CHECK((st.st_mode & 07777) == 0744);
  auto got = comparable(path);
  REQUIRE(got.size() > 3);
  CHECK(got[0] == Pair{'S', "u@example.test"});
  CHECK(got[2] == Pair{'R', "v@example.test"});
}

TEST_CASE("swaks through sendmail -bs delivers to a local mailbox once, with Postfix's headers",
          "[pipeline][bs]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("swaks", "an SMTP client on a pipe")) return;
  pipeline_test::Pipeline p;
  REQUIRE(p.start().exit_status == 0);
  std::string sendmail = test::command("sendmail") + " -C " + p.config_dir() + " -bs";
  auto s = test::run({"swaks", "--pipe", sendmail, "--to", "root@localhost", "--from",
                      "alice@example.org", "--helo", "client.example", "--header",
                      "Subject: swaks via bs", "--body", "swaks body line"});
  INFO(s.out + s.err);
  INFO(p.instance().log());
  REQUIRE(s.exit_status == 0);
  std::smatch m;
  REQUIRE(std::regex_search(s.out, m, std::regex("250 2.0.0 Ok: queued as ([0-9A-F]+)")));
  std::string drop_id = m[1];
  // Two more in one session, with a refused recipient between them.
  auto two = p.sendmail(
      {"-bs"},
      crlf({"EHLO me", "MAIL FROM:<bob@example.org>", "RCPT TO:<root@localhost>", "RCPT TO:<>",
            "DATA", "Subject: second", "", "two", ".", "MAIL FROM:<bob@example.org>",
            "RCPT TO:<root>", "DATA", "Subject: third", "", "three", ".", "QUIT"}));
  CHECK(two.exit_status == 0);
  CHECK(two.out.find("501 5.1.3 Bad recipient address syntax\r\n") != std::string::npos);
  INFO(p.instance().log());
  REQUIRE(p.wait_for_messages("root", 3));
  REQUIRE(p.wait_queue_empty());
  std::string box = p.mailbox("root");
  CHECK(pipeline_test::count_of(box, "Subject: swaks via bs\n") == 1);
  CHECK(pipeline_test::count_of(box, "Subject: second\n") == 1);
  CHECK(pipeline_test::count_of(box, "Subject: third\n") == 1);
  CHECK(box.find("\n\nswaks body line\n") != std::string::npos);
  // pickup's cleanup adds its own Received: above the one smtpd wrote, whose
  // id is the maildrop file's (as Postfix 3.7.11 shows).
  CHECK(std::regex_search(
      box, std::regex("\nReceived: by mx\\.example\\.test \\(Postfix, from userid 0\\)\n"
                      "\tid [0-9A-F]+; [^\n]+\n"
                      "Received: from client\\.example \\(localhost \\[127\\.0\\.0\\.1\\]\\)\n"
                      "\tby mx\\.example\\.test \\(Postfix\\) with ESMTP id " +
                      drop_id + "\n\tfor <root@localhost>; [^\n]+\n")));
  CHECK(box.find("Return-Path: <alice@example.org>\n") != std::string::npos);
  REQUIRE(p.instance().log_has(": removed"));
  std::string log = p.instance().log();
  CHECK(log.find("postfix/smtpd[") != std::string::npos);
  CHECK(log.find(": connect from localhost[127.0.0.1]\n") != std::string::npos);
  CHECK(log.find(": " + drop_id + ": client=localhost[127.0.0.1]\n") != std::string::npos);
  CHECK(log.find(": uid=0 from=<alice@example.org>\n") != std::string::npos);
}
