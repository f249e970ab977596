// The virtual delivery agent under a whole instance: virtual_mailbox_domains
// with mailboxes under virtual_mailbox_base (a Maildir, an mbox, a catch-all,
// an address extension), owned by virtual_uid_maps/virtual_gid_maps; an
// unknown user bounces, a missing uid makes mail wait. Then the same set-up
// under Debian's Postfix writes the same mailbox bytes.
#include <pwd.h>
#include <sys/stat.h>

#include <catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/smtp_client.h"

using namespace std::chrono_literals;
using pipeline_test::Pipeline;

namespace {

const std::string kMessage =
    "Subject: virtual\n"
    "\n"
    "first body line\n"
    "From the start of a line\n";

const passwd* nobody() {
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return pw;
}

// main.cf lines for virtual mailboxes under BASE; the map is built by
// `postmap` (ours or Postfix's) from the text.
std::string virtual_main_cf(const std::string& base, const std::string& map,
                            const std::string& uid_map) {
  return "virtual_mailbox_domains = virt.example.test, catch.example.test\n"
         "virtual_mailbox_base = " +
         base + "\nvirtual_mailbox_maps = hash:" + map + "\nvirtual_uid_maps = " + uid_map +
         "\nvirtual_gid_maps = static:" + std::to_string(nobody()->pw_gid) + "\n";
}

const std::string kMap =
    "joe@virt.example.test virt.example.test/joe/\n"
    "ann@virt.example.test virt.example.test/ann\n"
    "@catch.example.test catch/\n";

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("virtual delivers to the Maildir and mbox its maps name, as their owner",
          "[virtual][pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  std::string base = p.path("vmail");
  std::filesystem::create_directories(base + "/virt.example.test");
  std::filesystem::create_directories(base + "/catch");
  test::run({"chown", "-R", "nobody", base});
  p.instance().dir().write("vmailbox", kMap);
  p.instance().dir().write(
      "main.cf",
      p.instance().dir().read("main.cf") +
          virtual_main_cf(base, p.path("vmailbox"), "static:" + std::to_string(nobody()->pw_uid)) +
          "recipient_delimiter = +\n");
  REQUIRE(
      test::run({test::command("postmap"), "-c", p.config_dir(), p.path("vmailbox")}).exit_status ==
      0);
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "joe+news@virt.example.test", "ann@virt.example.test",
                      "anyone@catch.example.test", "nobody-here@virt.example.test"},
                     kMessage)
              .exit_status == 0);
  std::string joe_new = base + "/virt.example.test/joe/new";
  bool arrived = master_test::eventually([&] { return files_in(joe_new).size() == 1; }, 20s);
  INFO(p.instance().log());
  REQUIRE(arrived);
  REQUIRE(master_test::eventually([&] { return files_in(base + "/catch/new").size() == 1; }, 20s));
  REQUIRE(p.wait_queue_empty());

  std::string joe = pipeline_test::read_file(files_in(joe_new)[0]);
  CHECK(joe.rfind("Return-Path: <root@mx.example.test>\n"
                  "X-Original-To: joe+news@virt.example.test\n"
                  "Delivered-To: joe+news@virt.example.test\n",
                  0) == 0);
  CHECK(joe.find("\nFrom the start of a line\n") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(files_in(joe_new)[0].c_str(), &st) == 0);
  CHECK(st.st_uid == nobody()->pw_uid);

  std::string ann = pipeline_test::read_file(base + "/virt.example.test/ann");
  CHECK(ann.rfind("From root@mx.example.test  ", 0) == 0);
  CHECK(ann.find("\n>From the start of a line\n") != std::string::npos);
  REQUIRE(::stat((base + "/virt.example.test/ann").c_str(), &st) == 0);
  CHECK(st.st_uid == nobody()->pw_uid);

  CHECK(p.instance().log_has("to=<joe+news@virt.example.test>, relay=virtual"));
  CHECK(p.instance().log_has("status=sent (delivered to maildir)"));
  CHECK(p.instance().log_has("status=sent (delivered to mailbox)"));
  CHECK(p.instance().log_has("to=<nobody-here@virt.example.test>, relay=virtual, delay="));
  CHECK(p.instance().log_has(
      "dsn=5.1.1, status=bounced (unknown user: \"nobody-here@virt.example.test\")"));
}

TEST_CASE("virtual makes mail wait when virtual_uid_maps has no uid for it",
          "[virtual][pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Pipeline p;
  std::string base = p.path("vmail");
  std::filesystem::create_directories(base);
  p.instance().dir().write("vmailbox", kMap);
  p.instance().dir().write("main.cf", p.instance().dir().read("main.cf") +
                                          virtual_main_cf(base, p.path("vmailbox"),
                                                          "inline:{other@virt.example.test=1000}"));
  REQUIRE(
      test::run({test::command("postmap"), "-c", p.config_dir(), p.path("vmailbox")}).exit_status ==
      0);
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "ann@virt.example.test"}, kMessage).exit_status == 0);
  INFO(p.instance().log());
  CHECK(p.instance().log_has(
      "warning: recipient ann@virt.example.test: not found in virtual_uid_maps"));
  CHECK(p.instance().log_has("dsn=4.3.5, status=deferred (mail system configuration error)"));
  CHECK(master_test::eventually([&] { return p.queue_count("deferred") == 1; }, 20s));
}

TEST_CASE("virtual writes the same mbox and Maildir bytes as Debian's Postfix",
          "[virtual][interop]") {
  if (test::skip_unless_root("both instances switch users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here")) return;
  const std::string message =
      "From: Sender <sender@example.org>\r\nSubject: interop\r\n"
      "Date: Sun, 06 Dec 2026 06:00:00 +0000\r\nMessage-ID: <virtual-interop@example.org>\r\n"
      "\r\nline\r\nFrom here\r\n";
  auto send = [&](int port) {
    auto c = test::SmtpClient::connect("127.0.0.1", port, 10s);
    REQUIRE(c);
    REQUIRE(c->banner());
    REQUIRE(c->command("EHLO client.example.org"));
    REQUIRE(c->command("MAIL FROM:<sender@example.org>"));
    REQUIRE(c->command("RCPT TO:<joe@virt.example.test>"));
    REQUIRE(c->command("RCPT TO:<ann@virt.example.test>"));
    REQUIRE(c->command("DATA"));
    auto r = c->command(message + ".");
    REQUIRE(r);
    CHECK(r->last().rfind("250 ", 0) == 0);
    c->command("QUIT");
  };
  // Both read mailboxes from a base of their own, made alike.
  auto make_base = [](const test::TempDir& dir) {
    std::string base = dir.file("vmail");
    std::filesystem::create_directories(base + "/virt.example.test");
    test::run({"chown", "-R", "nobody", base});
    ::chmod(dir.path().c_str(), 0755);
    dir.write("vmailbox", kMap);
    dir.write("main.cf", "");  // for postmap -c
    return base;
  };
  auto read_both = [](const std::string& base) {
    std::string joe_new = base + "/virt.example.test/joe/new";
    REQUIRE(master_test::eventually([&] { return files_in(joe_new).size() == 1; }, 20s));
    REQUIRE(master_test::eventually(
        [&] { return std::filesystem::exists(base + "/virt.example.test/ann"); }, 20s));
    return std::make_pair(pipeline_test::read_file(files_in(joe_new)[0]),
                          pipeline_test::read_file(base + "/virt.example.test/ann"));
  };
  const std::string uid = "static:" + std::to_string(nobody()->pw_uid);

  test::TempDir their_dir;
  std::string their_base = make_base(their_dir);
  REQUIRE(test::run({"/usr/sbin/postmap", "-c", their_dir.path(), their_dir.file("vmailbox")})
              .exit_status == 0);
  std::pair<std::string, std::string> theirs;
  {
    smtpd_test::PostfixOracle oracle("mynetworks = 127.0.0.0/8\n" +
                                     virtual_main_cf(their_base, their_dir.file("vmailbox"), uid));
    INFO(oracle.why());
    REQUIRE(oracle.ok());
    master_test::eventually(
        [&] { return test::SmtpClient::connect("127.0.0.1", oracle.port()).has_value(); });
    send(oracle.port());
    INFO(oracle.log());
    theirs = read_both(their_base);
  }

  test::TempDir our_dir;
  std::string our_base = make_base(our_dir);
  REQUIRE(test::run({test::command("postmap"), "-c", our_dir.path(), our_dir.file("vmailbox")})
              .exit_status == 0);
  smtpd_test::SmtpdOptions o;
  o.main_cf =
      "mynetworks = 127.0.0.0/8\n" + virtual_main_cf(our_base, our_dir.file("vmailbox"), uid);
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  send(s.port());
  INFO(s.log());
  auto ours = read_both(our_base);

  CHECK(pipeline_test::comparable_copy(ours.first) == pipeline_test::comparable_copy(theirs.first));
  CHECK(pipeline_test::comparable_copy(ours.second) ==
        pipeline_test::comparable_copy(theirs.second));
}
