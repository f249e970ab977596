// Milters through a whole instance: the seed recipe (opendkim signing via
// smtpd_milters and non_smtpd_milters, verified with python3-dkim, and
// opendkim's verification of incoming mail), a real libmilter milter
// (python3-milter, tests/support/test_milter.py) choosing replies and
// edits, milter_default_action with a milter that is down or stalls, and
// a milter reject compared with Debian's Postfix.
#include <catch.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "libutil/child_process.h"
#include "libutil/socket.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using smtpd_test::SmtpdInstance;
using smtpd_test::SmtpdOptions;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool port_answers(int port) {
  auto fd = util::inet_connect("127.0.0.1", std::to_string(port), std::chrono::milliseconds(500));
  return fd.has_value();
}

// A background program (killed with its process group when the test ends).
util::ChildProcess start_daemon(const std::vector<std::string>& argv, int port,
                                const std::vector<std::string>& env = {}) {
  util::SpawnOptions o;
  o.argv = argv;
  o.new_process_group = true;
  if (!env.empty()) {
    std::vector<std::string> e;
    for (char** p = environ; *p; ++p) e.emplace_back(*p);
    e.insert(e.end(), env.begin(), env.end());
    o.env = e;
  }
  auto c = util::ChildProcess::spawn(o);
  REQUIRE(c.has_value());
  REQUIRE(master_test::eventually([&] { return port_answers(port); }, std::chrono::seconds(15)));
  return std::move(*c);
}

bool have_python_module(const std::string& module) {
  return test::run({kPython, "-c", "import " + module}).exit_status == 0;
}

std::string ask(test::SmtpClient& c, const std::string& line) {
  auto r = c.command(line);
  return r ? r->text() : "(no reply: " + r.error().message + ")";
}

// One message through an open session; returns DATA's final reply.
std::string send_message(test::SmtpClient& c, const std::string& from,
                         const std::vector<std::string>& to, const std::string& message) {
  if (ask(c, "MAIL FROM:<" + from + ">").rfind("250", 0) != 0) return "MAIL refused";
  for (const auto& r : to) ask(c, "RCPT TO:<" + r + ">");
  std::string d = ask(c, "DATA");
  if (d.rfind("354", 0) != 0) return d;
  std::string body = message;
  if (body.empty() || body.back() != '\n') body += "\r\n";
  return ask(c, body + ".");
}

struct DkimSetup {
  test::TempDir dir;
  int port = master_test::free_port();
  // `extra`: more opendkim.conf lines.
  explicit DkimSetup(const std::string& extra = "") {
    auto g = test::run({"opendkim-genkey", "-D", dir.path(), "-s", "mail", "-d", "example.com"});
    REQUIRE(g.exit_status == 0);
    dir.write("opendkim.conf", "Domain example.com\nKeyFile " + dir.file("mail.private") +
                                   "\nSelector mail\nSocket inet:" + std::to_string(port) +
                                   "@localhost\nSyslog no\nBackground no\n"
                                   "RequireSafeKeys false\nPidFile " +
                                   dir.file("opendkim.pid") + "\n" + extra);
  }
  // The seed recipe's form: a host name, resolved before the chroot.
  std::string milter() const { return "inet:localhost:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("opendkim signs mail from smtpd and from sendmail, and the signatures verify",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("opendkim", "the seed recipe's DKIM milter")) return;
  if (!have_python_module("dkim")) {
    WARN("SKIPPED: python3-dkim is not installed");
    return;
  }
  DkimSetup dkim;
  auto opendkim = start_daemon({"opendkim", "-f", "-x", dkim.dir.file("opendkim.conf")}, dkim.port);
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + dkim.milter() + "\nnon_smtpd_milters = " + dkim.milter() + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);

  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.com");
  std::string reply =
      send_message(*c, "alice@example.com", {"root@mx.example.test"},
                   "From: Alice <alice@example.com>\r\nTo: root@mx.example.test\r\n"
                   "Subject: signed via smtpd\r\n\twith a folded line\r\n\r\nHello from smtpd.\r\n"
                   "  trailing  spaces  \r\n");
  REQUIRE(reply.rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 1));

  auto r = s.pipeline().sendmail({"-f", "bob@example.com", "root@mx.example.test"},
                                 "From: Bob <bob@example.com>\nTo: root@mx.example.test\n"
                                 "Subject: signed via sendmail\n\nHello from sendmail.\n");
  INFO(r.out << r.err);
  REQUIRE(r.exit_status == 0);
  REQUIRE(s.wait_for_messages("root", 2));

  std::string box = s.mailbox("root");
  INFO(box);
  INFO(s.log());
  CHECK(
      std::regex_search(box, std::regex("DKIM-Signature: [^\\n]*(\\n\\s[^\\n]*)*d=example\\.com")));
  CHECK(box.find("s=mail;") != std::string::npos);
  auto v = test::run({kPython, test::source_dir() + "/tests/support/dkim_verify.py",
                      s.pipeline().path("mail/root"), dkim.dir.file("mail.txt")});
  INFO(v.out << v.err);
  CHECK(v.exit_status == 0);
  CHECK(v.out == "ok\nok\n");
}

TEST_CASE("opendkim adds Authentication-Results to signed mail for another domain from smtpd",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("opendkim", "the seed recipe's DKIM milter")) return;
  if (!have_python_module("dkim")) {
    WARN("SKIPPED: python3-dkim is not installed");
    return;
  }
  // A message signed by other.example with a key of its own; opendkim finds
  // the public key in TestDNSData instead of DNS.
  test::TempDir other;
  REQUIRE(test::run({"opendkim-genkey", "-D", other.path(), "-s", "sel", "-d", "other.example"})
              .exit_status == 0);
  std::string txt = other.read("sel.txt"), record;
  for (size_t q = txt.find('"'); q != std::string::npos; q = txt.find('"', q + 1)) {
    size_t end = txt.find('"', q + 1);
    if (end == std::string::npos) break;
    record += txt.substr(q + 1, end - q - 1);
    q = end;
  }
  other.write("testdns", "sel._domainkey.other.example " + record + "\n");
  // The test client on 127.0.0.1 is an outside host here (opendkim signs,
  // rather than verifies, for internal hosts).
  DkimSetup dkim("InternalHosts 192.0.2.1\nTestDNSData file:" + other.file("testdns") + "\n");
  std::string raw =
      "From: Carol <carol@other.example>\r\nTo: root@mx.example.test\r\n"
      "Subject: signed elsewhere\r\n\r\nHello from another domain.\r\n";
  other.write("msg", raw);
  auto signed_msg = test::run(
      {kPython, "-c",
       "import dkim,sys; m=open(sys.argv[1],'rb').read(); k=open(sys.argv[2],'rb').read();"
       "sys.stdout.write((dkim.sign(m,b'sel',b'other.example',k)+m).decode())",
       other.file("msg"), other.file("sel.private")});
  REQUIRE(signed_msg.exit_status == 0);
  REQUIRE(signed_msg.out.rfind("DKIM-Signature:", 0) == 0);

  auto opendkim = start_daemon({"opendkim", "-f", "-x", dkim.dir.file("opendkim.conf")}, dkim.port);
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + dkim.milter() + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO mail.other.example");
  std::string reply =
      send_message(*c, "carol@other.example", {"root@mx.example.test"}, signed_msg.out);
  REQUIRE(reply.rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box);
  // As behind Postfix 3.7 (observed): the header on top, the signature good.
  CHECK(std::regex_search(
      box, std::regex("\nAuthentication-Results: mx\\.example\\.test;\n\tdkim=pass [^\n]* "
                      "header\\.d=other\\.example[^\n]*(\n\t[^\n]*)*\nReceived: from mail")));
}

namespace {

struct TestMilter {
  test::TempDir dir;
  int port = master_test::free_port();
  util::ChildProcess child;
  TestMilter()
      : child(start_daemon({kPython, test::source_dir() + "/tests/support/test_milter.py",
                            "inet:" + std::to_string(port) + "@127.0.0.1"},
                           port, {"MILTER_TRACE=" + dir.file("trace")})) {}
  std::string spec() const { return "inet:127.0.0.1:" + std::to_string(port); }
  std::string trace() const { return dir.read("trace"); }
};

bool skip_without_pymilter() {
  if (have_python_module("Milter")) return false;
  WARN("SKIPPED: python3-milter is not installed");
  return true;
}

}  // namespace

TEST_CASE(
    "a libmilter milter rejects, tempfails and replies through smtpd with Postfix's log lines",
    "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + milter.spec() + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  CHECK(ask(*c, "EHLO client.example.org").rfind("250", 0) == 0);
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RCPT TO:<daemon@mx.example.test>") == "550 5.7.1 Command rejected");
  CHECK(ask(*c, "RCPT TO:<bin@mx.example.test>") ==
        "451 4.7.1 Service unavailable - try again later");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
  CHECK(ask(*c, "DATA").rfind("354", 0) == 0);
  CHECK(ask(*c, "Subject: please tempfail\r\n\r\nbody\r\n.") ==
        "451 4.7.1 Service unavailable - try again later");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: custom reply\r\n\r\nbody\r\n") ==
        "554-5.7.3 custom rejection\n554 5.7.3 second line");
  // BDAT goes the same way: the verdict answers BDAT LAST.
  CHECK(ask(*c, "MAIL FROM:<sender@example.org>") == "250 2.1.0 Ok");
  CHECK(ask(*c, "RCPT TO:<root@mx.example.test>") == "250 2.1.5 Ok");
  std::string chunk = "Subject: custom bdat\r\n\r\nbody";
  CHECK(ask(*c, "BDAT " + std::to_string(chunk.size() + 2) + " LAST\r\n" + chunk) ==
        "554-5.7.3 custom rejection\n554 5.7.3 second line");
  CHECK(ask(*c, "QUIT").rfind("221", 0) == 0);
  INFO(s.log());
  CHECK(
      s.log_has(": milter-reject: RCPT from unknown[127.0.0.1]: 550 5.7.1 Command rejected; "
                "from=<sender@example.org> to=<daemon@mx.example.test> proto=ESMTP "
                "helo=<client.example.org>"));
  CHECK(
      s.log_has(": milter-reject: END-OF-MESSAGE from unknown[127.0.0.1]: 4.7.1 Service "
                "unavailable - try again later; from=<sender@example.org> "
                "to=<root@mx.example.test> proto=ESMTP helo=<client.example.org>"));
  CHECK(
      s.log_has(": milter-reject: END-OF-MESSAGE from unknown[127.0.0.1]: 5.7.3 custom "
                "rejection??554 5.7.3 second line;"));
  // Nothing was queued.
  CHECK(s.pipeline().wait_queue_empty());
  std::string t = milter.trace();
  INFO(t);
  // As Postfix: an unverified client is "[addr]"; only the configured
  // connect macros are sent; smtpd's Received: is not shown.
  CHECK(t.find("connect [127.0.0.1] 127.0.0.1") != std::string::npos);
  CHECK(t.find("macro _=unknown [127.0.0.1]") != std::string::npos);
  CHECK(t.find("macro {client_addr}=None") != std::string::npos);
  CHECK(t.find("macro j=mx.example.test") != std::string::npos);
  CHECK(t.find("macro {daemon_name}=mx.example.test") != std::string::npos);
  CHECK(t.find("header Received") == std::string::npos);
  CHECK(t.find("rcpt <root@mx.example.test> root@mx.example.test") != std::string::npos);
  CHECK(t.find("mail <sender@example.org> sender@example.org") != std::string::npos);
  CHECK(std::regex_search(t, std::regex("eom i=[0-9A-F]+")));
}

TEST_CASE("a libmilter milter's header, recipient, sender and body edits are what is delivered",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  SmtpdOptions o;
  // A recipient the milter adds is virtual-mapped, as Postfix's cleanup does.
  o.main_cf = "smtpd_milters = " + milter.spec() +
              "\nvirtual_alias_maps = inline:{ added@mx.example.test=virt@mx.example.test }\n";
  SmtpdInstance s(o);
  s.pipeline().write_aliases("postmaster: root\nvirt: root\nremoved: root\nkept: root\n");
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.org");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: headers\r\nX-Change: old\r\nX-Delete: gone\r\n\r\nbody one\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box);
  // X-Inserted went to the very top of what the milter saw (above our
  // Received:), X-Added to the end of the headers.
  CHECK(std::regex_search(box, std::regex("\nX-Inserted: inserted at top\nReceived: from client")));
  CHECK(box.find("X-Change: changed by milter\n") != std::string::npos);
  CHECK(box.find("X-Delete") == std::string::npos);
  CHECK(std::regex_search(box, std::regex("X-Added: added by milter\n\nbody one\n")));

  CHECK(send_message(*c, "sender@example.org", {"removed@mx.example.test", "kept@mx.example.test"},
                     "Subject: rcpts chgfrom replacebody\r\n\r\noriginal body\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 3));
  box = s.mailbox("root");
  INFO(box);
  INFO(s.log());
  CHECK(s.log_has("to=<root@mx.example.test>, orig_to=<added@mx.example.test>"));
  CHECK(s.pipeline().wait_queue_empty());
  CHECK(s.log().find(": to=<added@mx.example.test>") == std::string::npos);
  CHECK(s.log_has("orig_to=<kept@mx.example.test>"));
  CHECK(s.log().find("orig_to=<removed@mx.example.test>") == std::string::npos);
  CHECK(box.find("Return-Path: <new-sender@example.org>") != std::string::npos);
  CHECK(box.find("\nBody replaced by the milter.\n") != std::string::npos);
  CHECK(box.find("original body") == std::string::npos);
}

TEST_CASE("a libmilter milter discards and quarantines, for smtpd and for sendmail mail",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + milter.spec() + "\nnon_smtpd_milters = " + milter.spec() + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.org");
  std::string d = send_message(*c, "sender@example.org", {"root@mx.example.test"},
                               "Subject: discard me\r\n\r\nbody\r\n");
  CHECK(d.rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  std::string q = send_message(*c, "sender@example.org", {"root@mx.example.test"},
                               "Subject: quarantine me\r\n\r\nbody\r\n");
  CHECK(q.rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  INFO(s.log());
  CHECK(
      s.log_has(": milter-discard: END-OF-MESSAGE from unknown[127.0.0.1]: milter triggers "
                "DISCARD action; from=<sender@example.org> to=<root@mx.example.test> "
                "proto=ESMTP helo=<client.example.org>"));
  CHECK(
      s.log_has(": milter-hold: END-OF-MESSAGE from unknown[127.0.0.1]: milter triggers HOLD "
                "action; from=<sender@example.org>"));
  CHECK(master_test::eventually([&] { return s.pipeline().queue_count("hold") == 1; },
                                std::chrono::seconds(10)));
  // sendmail mail goes through non_smtpd_milters in cleanup.
  auto r = s.pipeline().sendmail({"-f", "root@mx.example.test", "root@mx.example.test"},
                                 "Subject: headers via sendmail\n\nlocal body\n");
  REQUIRE(r.exit_status == 0);
  REQUIRE(s.wait_for_messages("root", 1));
  std::string box = s.mailbox("root");
  INFO(box);
  CHECK(box.find("X-Added: added by milter\n") != std::string::npos);
  CHECK(box.find("discard me") == std::string::npos);
  std::string t = milter.trace();
  INFO(t);
  CHECK(t.find("connect localhost 127.0.0.1") != std::string::npos);
  // Non-SMTP envelope addresses go without <>, as Postfix sends them.
  CHECK(t.find("mail root@mx.example.test") != std::string::npos);
}

TEST_CASE("milter_default_action applies when the milter is down or stalls", "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  int dead = master_test::free_port();
  // A milter that accepts the connection and never answers.
  auto stall = util::inet_listen("127.0.0.1:0", 5);
  REQUIRE(stall.has_value());
  int stall_port = *util::local_port(stall->get());
  int accept_port = master_test::free_port();
  SmtpdOptions o;
  // The per-milter form overrides milter_default_action (accept).
  o.main_cf =
      "milter_default_action = accept\n"
      "smtpd_milters = { inet:127.0.0.1:" +
      std::to_string(dead) + ", connect_timeout=2s, default_action=tempfail }\n";
  o.master_cf =
      "127.0.0.1:" + std::to_string(accept_port) +
      " inet n - y - - smtpd\n  -o smtpd_milters=inet:127.0.0.1:" + std::to_string(stall_port) +
      "\n  -o milter_command_timeout=1s\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  {
    auto c = s.connect();
    REQUIRE(c.has_value());
    ask(*c, "EHLO client.example.org");
    CHECK(ask(*c, "MAIL FROM:<sender@example.org>") ==
          "451 4.7.1 Service unavailable - try again later");
    ask(*c, "QUIT");
  }
  INFO(s.log());
  CHECK(s.log_has("warning: connect to Milter service inet:127.0.0.1:" + std::to_string(dead)));
  CHECK(
      s.log_has("NOQUEUE: milter-reject: CONNECT from unknown[127.0.0.1]: 451 4.7.1 Service "
                "unavailable - try again later;"));
  // The stalling milter with milter_default_action = accept: the mail goes through.
  auto c = test::SmtpClient::connect("127.0.0.1", accept_port, std::chrono::seconds(30));
  REQUIRE(c.has_value());
  REQUIRE(c->banner().has_value());
  ask(*c, "EHLO client.example.org");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"}, "Subject: x\r\n\r\nb\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  CHECK(s.wait_for_messages("root", 1));
  CHECK(s.log_has("warning: milter inet:127.0.0.1:" + std::to_string(stall_port)));
}

namespace {

// Each command's reply; EHLO's by its code only (the keywords are another
// matter).
std::vector<std::string> dialogue_replies(int port, const std::vector<std::string>& dialogue) {
  std::vector<std::string> replies;
  auto c = test::SmtpClient::connect("127.0.0.1", port, std::chrono::seconds(30));
  if (!c || !c->banner()) return replies;
  for (const auto& line : dialogue) {
    std::string r = ask(*c, line);
    replies.push_back(line.rfind("EHLO", 0) == 0 ? r.substr(0, 3) : r);
  }
  return replies;
}

// "milter-reject: ..." lines without the queue ID.
std::vector<std::string> milter_lines(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    auto at = line.find("milter-reject: ");
    if (at != std::string::npos) out.push_back(line.substr(at));
  }
  return out;
}

}  // namespace

TEST_CASE("a milter's RCPT and end-of-message rejects read and log as with Postfix",
          "[milter][slow][oracle]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix as the oracle")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  const std::vector<std::string> dialogue = {"EHLO client.example.org",
                                             "MAIL FROM:<sender@example.org>",
                                             "RCPT TO:<daemon@mx.example.test>",
                                             "RCPT TO:<root@mx.example.test>",
                                             "DATA",
                                             "Subject: custom\r\n\r\nbody\r\n.",
                                             "QUIT"};
  auto run_dialogue = [&](int port) { return dialogue_replies(port, dialogue); };
  smtpd_test::PostfixOracle oracle("smtpd_milters = " + milter.spec() + "\n");
  INFO(oracle.why());
  REQUIRE(oracle.ok());
  auto theirs = run_dialogue(oracle.port());
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + milter.spec() + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto ours = run_dialogue(s.port());
  CHECK(ours == theirs);
  REQUIRE(s.log_has("milter-reject: END-OF-MESSAGE"));
  REQUIRE(master_test::eventually(
      [&] { return oracle.log().find("milter-reject: END-OF-MESSAGE") != std::string::npos; },
      std::chrono::seconds(10)));
  INFO("ours:\n" << s.log() << "\ntheirs:\n" << oracle.log());
  CHECK(milter_lines(s.log()) == milter_lines(oracle.log()));
  CHECK(milter_lines(s.log()).size() == 2);
}

TEST_CASE("a milter that stalls in cleanup is out of the session and the mail goes on",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + milter.spec() +
              "\nmilter_content_timeout = 1s\nmilter_default_action = accept\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.org");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: stall\r\n\r\nfirst\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  // cleanup told smtpd the milter failed: the next message skips it.
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: headers\r\n\r\nsecond\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 2));
  std::string box = s.mailbox("root");
  INFO(box);
  INFO(s.log());
  CHECK(box.find("X-Added") == std::string::npos);
  CHECK(s.log_has("warning: milter " + milter.spec() + ": read error: timeout"));
}

TEST_CASE("a milter that is down answers and logs as with Postfix (default tempfail)",
          "[milter][slow][oracle]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix as the oracle")) return;
  std::string cf = "smtpd_milters = inet:127.0.0.1:" + std::to_string(master_test::free_port()) +
                   "\nmilter_connect_timeout = 2s\n";
  const std::vector<std::string> dialogue = {"EHLO client.example.org",
                                             "MAIL FROM:<sender@example.org>",
                                             "RCPT TO:<root@mx.example.test>", "QUIT"};
  smtpd_test::PostfixOracle oracle(cf);
  INFO(oracle.why());
  REQUIRE(oracle.ok());
  auto theirs = dialogue_replies(oracle.port(), dialogue);
  SmtpdOptions o;
  o.main_cf = cf;
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto ours = dialogue_replies(s.port(), dialogue);
  CHECK(ours == theirs);
  REQUIRE(s.log_has("milter-reject: MAIL"));
  REQUIRE(master_test::eventually(
      [&] { return oracle.log().find("milter-reject: MAIL") != std::string::npos; },
      std::chrono::seconds(10)));
  INFO("ours:\n" << s.log() << "\ntheirs:\n" << oracle.log());
  // Ours has one more CONNECT line: the fixture's probe of the port.
  auto mine = milter_lines(s.log()), their = milter_lines(oracle.log());
  REQUIRE(their.size() == 3);
  REQUIRE(mine.size() >= 3);
  CHECK(std::vector<std::string>(mine.end() - 3, mine.end()) == their);
}

TEST_CASE("a unix: milter path is relative to the chroot of smtpd and cleanup", "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = unix:/milter/test.sock\n";
  SmtpdInstance s(o);
  std::string dir = s.pipeline().path("queue") + "/milter";
  std::filesystem::create_directories(dir);
  util::SpawnOptions so;
  so.argv = {kPython, test::source_dir() + "/tests/support/test_milter.py",
             "unix:" + dir + "/test.sock"};
  so.new_process_group = true;
  auto milter = util::ChildProcess::spawn(so);
  REQUIRE(milter.has_value());
  REQUIRE(master_test::eventually([&] { return std::filesystem::exists(dir + "/test.sock"); },
                                  std::chrono::seconds(15)));
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.org");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: headers\r\n\r\nbody\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 1));
  INFO(s.log());
  CHECK(s.mailbox("root").find("X-Added: added by milter\n") != std::string::npos);
}

TEST_CASE("a message header_checks rejects before the milters leaves the milter ready for the next",
          "[milter][slow]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  if (skip_without_pymilter()) return;
  TestMilter milter;
  test::TempDir tables;
  std::string checks = tables.write("header_checks", "/^Subject: block/ REJECT blocked here\n");
  SmtpdOptions o;
  o.main_cf = "smtpd_milters = " + milter.spec() + "\nheader_checks = regexp:" + checks + "\n";
  SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  auto c = s.connect();
  REQUIRE(c.has_value());
  ask(*c, "EHLO client.example.org");
  // A content reject is the client's 5xx (smtpd does not ask cleanup to bounce).
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: block me\r\n\r\nbody\r\n") == "550 5.7.1 blocked here");
  CHECK(send_message(*c, "sender@example.org", {"root@mx.example.test"},
                     "Subject: headers\r\n\r\nbody\r\n")
            .rfind("250 2.0.0 Ok: queued as ", 0) == 0);
  ask(*c, "QUIT");
  REQUIRE(s.wait_for_messages("root", 1));
  INFO(s.log());
  CHECK(s.mailbox("root").find("X-Added: added by milter\n") != std::string::npos);
  CHECK(s.mailbox("root").find("block me") == std::string::npos);
}
