// local(8) under a real master: a queue file in active/ built like
// cleanup's, a delivery request over private/local, and what arrives in
// mailboxes, maildirs and files, what the reply says and what is logged.
// Runs as root (local switches to each recipient); users are root and
// nobody, with mailboxes under the temp dir.
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libmail/delivery_request.h"
#include "libmail/queue_file.h"
#include "libmail/service_client.h"
#include "tests/integration/master_fixture.h"

using master_test::eventually;
using master_test::Instance;

namespace {

const char* kServices =
    "local unix - n n - - local\n"
    "postlog unix-dgram n - n - 1 postlogd\n";

const std::vector<std::string> kContent = {
    "Subject: local test",
    "From: Sender <sender@example.org>",
    "",
    "body line",
    "From the start of a line",
    ">From already quoted",
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LocalAgent {
 public:
  explicit LocalAgent(const std::string& extra_main_cf = "",
                      const std::string& aliases = "postmaster: root\n")
      : inst_(kServices, "mail_spool_directory = " + std::string() + "MAILDIR_PLACEHOLDER\n") {
    std::string spool = inst_.dir().file("mail");
    std::filesystem::create_directories(spool);
    ::chmod(spool.c_str(), 01777);
    std::filesystem::create_directories(inst_.dir().file("out"));
    ::chmod(inst_.dir().file("out").c_str(), 0777);
    std::string main_cf = inst_.dir().read("main.cf");
    main_cf.replace(main_cf.find("MAILDIR_PLACEHOLDER"), 19, spool);
    main_cf += "alias_maps = hash:" + inst_.dir().file("aliases") + "\n" + extra_main_cf;
    inst_.dir().write("main.cf", main_cf);
    write_aliases(aliases);
  }

  void write_aliases(const std::string& text) {
    inst_.dir().write("aliases", text);
    auto built = test::run({test::command("postalias"), "-c", inst_.path(),
                            "hash:" + inst_.dir().file("aliases")});
    REQUIRE(built.exit_status == 0);
  }

  bool start() {
    if (inst_.start().exit_status != 0) return false;
    std::filesystem::create_directories(inst_.dir().file("queue/active"));
    return true;
  }

  // Queue a message in active/ and ask local to deliver it.
  util::Result<mail::DeliveryReply> deliver(const std::vector<std::string>& rcpts,
                                            const std::string& sender = "sender@example.org",
                                            std::vector<std::string> content = kContent,
                                            std::vector<std::string> origs = {}) {
    mail::NewMessage m;
    m.arrival_seconds = ::time(nullptr);
    m.sender = sender;
    for (size_t i = 0; i < rcpts.size(); ++i) {
      mail::NewRecipient r;
      r.address = rcpts[i];
      r.orig = i < origs.size() ? origs[i] : rcpts[i];
      m.recipients.push_back(r);
    }
    m.lines = std::move(content);
    std::string id = "4C0A1" + std::to_string(++counter_) + "B";
    std::string path = inst_.dir().write("queue/active/" + id, mail::build_queue_file(m), 0700);
    auto parsed = mail::read_queue_file(path);
    REQUIRE(parsed);
    mail::DeliveryRequest req;
    req.queue_name = "active";
    req.queue_id = id;
    req.data_offset = parsed->size()->data_offset;
    req.data_size = parsed->size()->content_size;
    req.nexthop = "mx.example.test";
    req.sender = sender;
    req.arrival_time = static_cast<double>(m.arrival_seconds);
    req.active_time = req.arrival_time;
    for (const auto& r : parsed->recipients()) {
      mail::DeliveryRecipient dr;
      dr.offset = r.offset;
      dr.address = r.address;
      dr.orig_rcpt = r.orig;
      req.recipients.push_back(dr);
    }
    last_id_ = id;
    auto agent = mail::connect_service(inst_.dir().file("queue/private/local"),
                                       std::chrono::seconds(30));
    if (!agent) return std::unexpected(agent.error());
    return mail::send_delivery_request(*agent, req);
  }

  std::string mailbox(const std::string& user) const { return inst_.dir().read("mail/" + user); }
  std::string file(const std::string& name) const { return inst_.dir().file(name); }
  const Instance& instance() const { return inst_; }
  const std::string& last_id() const { return last_id_; }

 private:
  Instance inst_;
  int counter_ = 0;
  std::string last_id_;
};

}  // namespace

TEST_CASE("local writes an mbox message in Postfix's form, 0600 and owned by the user",
          "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a;
  REQUIRE(a.start());
  auto reply = a.deliver({"nobody@mx.example.test"}, "sender@example.org", kContent, {"nobody"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kSent);
  CHECK(reply->results[0].dsn == "2.0.0");
  CHECK(reply->results[0].text == "delivered to mailbox");

  std::string box = a.mailbox("nobody");
  REQUIRE(box.rfind("From sender@example.org  ", 0) == 0);
  std::string rest = box.substr(box.find('\n') + 1);
  CHECK(rest ==
        "Return-Path: <sender@example.org>\n"
        "X-Original-To: nobody\n"
        "Delivered-To: nobody@mx.example.test\n"
        "Subject: local test\n"
        "From: Sender <sender@example.org>\n"
        "\n"
        "body line\n"
        ">From the start of a line\n"
        ">From already quoted\n"
        "\n");
  struct stat st {};
  REQUIRE(::stat(a.file("mail/nobody").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_uid == 65534);
  CHECK(a.instance().log_has(a.last_id() +
                             ": to=<nobody@mx.example.test>, orig_to=<nobody>, relay=local, delay="));
  CHECK(a.instance().log_has(", dsn=2.0.0, status=sent (delivered to mailbox)"));

  // A second message is appended after the first, not over it.
  REQUIRE(a.deliver({"nobody@mx.example.test"}));
  CHECK(a.mailbox("nobody").rfind(box, 0) == 0);
  CHECK(a.mailbox("nobody").size() > 2 * box.size() - 20);
}

TEST_CASE("local delivers to a maildir when mail_spool_directory ends in a slash",
          "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  test::TempDir spool;
  ::chmod(spool.path().c_str(), 01777);
  LocalAgent a("mail_spool_directory = " + spool.path() + "/\n");
  REQUIRE(a.start());
  auto reply = a.deliver({"nobody@mx.example.test"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].text == "delivered to maildir");
  std::string dir = spool.path() + "/nobody/new";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  REQUIRE(files.size() == 1);
  CHECK(std::filesystem::is_empty(spool.path() + "/nobody/tmp"));
  CHECK(std::filesystem::is_directory(spool.path() + "/nobody/cur"));
  struct stat st {};
  REQUIRE(::stat(files[0].c_str(), &st) == 0);
  CHECK(st.st_uid == 65534);
  CHECK((st.st_mode & 0777) == 0600);
  // SECONDS.VdevIinoMusec.HOST with this file's device and inode.
  char expect[64];
  std::snprintf(expect, sizeof expect, ".V%lxI%lxM", static_cast<unsigned long>(st.st_dev),
                static_cast<unsigned long>(st.st_ino));
  CHECK(files[0].filename().string().find(expect) != std::string::npos);
  std::string content = slurp(files[0]);
  CHECK(content.rfind("Return-Path: <sender@example.org>\n", 0) == 0);
  CHECK(content.find("\nFrom the start of a line\n") != std::string::npos);
  CHECK(content.ends_with(">From already quoted\n"));
}

TEST_CASE("an alias to several users delivers one copy each and logs each", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a("", "team: nobody, root, nobody@mx.example.test\n");
  REQUIRE(a.start());
  auto reply = a.deliver({"team@mx.example.test"}, "sender@example.org", kContent, {"team"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kSent);
  std::string nobody = a.mailbox("nobody"), root = a.mailbox("root");
  CHECK(nobody.find("\nX-Original-To: team\n") != std::string::npos);
  CHECK(nobody.find("\nDelivered-To: team@mx.example.test\n") != std::string::npos);
  CHECK(root.find("\nDelivered-To: team@mx.example.test\n") != std::string::npos);
  CHECK(nobody.find("Subject: local test") == nobody.rfind("Subject: local test"));
  CHECK(a.instance().log_has("to=<nobody@mx.example.test>, orig_to=<team>, relay=local"));
  CHECK(a.instance().log_has("to=<root@mx.example.test>, orig_to=<team>, relay=local"));
}

TEST_CASE("mail to an unknown user bounces with 5.1.1", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a;
  REQUIRE(a.start());
  auto reply = a.deliver({"pstrn-nosuchuser@mx.example.test"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kBounced);
  CHECK(reply->results[0].dsn == "5.1.1");
  CHECK(reply->results[0].text == "unknown user: \"pstrn-nosuchuser\"");
  CHECK(a.instance().log_has(
      "dsn=5.1.1, status=bounced (unknown user: \"pstrn-nosuchuser\")"));
}

TEST_CASE("an unreadable alias table defers, it never bounces", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a;
  a.instance().dir().write("aliases.db", "this is not a Berkeley DB file\n");
  REQUIRE(a.start());
  auto reply = a.deliver({"root@mx.example.test"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kDeferred);
  CHECK(reply->results[0].dsn == "4.3.0");
  CHECK(reply->results[0].text == "alias database unavailable");
  CHECK(a.mailbox("root").empty());
}

TEST_CASE("alias commands run with the message on stdin only where allowed", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  std::string aliases = "bot: \"|/bin/cat > OUT/bot.txt\"\nfails: |/bin/false\n"
                        "later: \"|exit 75\"\n";
  test::TempDir out;
  ::chmod(out.path().c_str(), 0777);
  aliases.replace(aliases.find("OUT"), 3, out.path());
  {
    LocalAgent a("", aliases);
    REQUIRE(a.start());
    auto reply = a.deliver({"bot@mx.example.test"});
    INFO(a.instance().log());
    REQUIRE(reply);
    CHECK(reply->results[0].status == mail::DeliveryStatus::kSent);
    CHECK(reply->results[0].text == "delivered to command: /bin/cat > " + out.path() + "/bot.txt");
    std::string got = out.read("bot.txt");
    CHECK(got.rfind("From sender@example.org  ", 0) == 0);
    CHECK(got.find("\nDelivered-To: bot@mx.example.test\n") != std::string::npos);
    CHECK(got.ends_with("\nFrom the start of a line\n>From already quoted\n"));
    struct stat st {};
    REQUIRE(::stat(out.file("bot.txt").c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);  // default_privs for a root-owned alias table

    auto failed = a.deliver({"fails@mx.example.test"});
    REQUIRE(failed);
    CHECK(failed->results[0].status == mail::DeliveryStatus::kBounced);
    CHECK(failed->results[0].text == "Command died with status 1: \"/bin/false\"");
    auto later = a.deliver({"later@mx.example.test"});
    REQUIRE(later);
    CHECK(later->results[0].status == mail::DeliveryStatus::kDeferred);
    CHECK(later->results[0].dsn == "4.3.0");
  }
  ::unlink(out.file("bot.txt").c_str());
  LocalAgent b("allow_mail_to_commands = forward\n", aliases);
  REQUIRE(b.start());
  auto reply = b.deliver({"bot@mx.example.test"});
  REQUIRE(reply);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kBounced);
  CHECK(reply->results[0].text == "mail to command is restricted");
  CHECK_FALSE(std::filesystem::exists(out.file("bot.txt")));
}

TEST_CASE("a message already delivered to this recipient bounces as a loop", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a;
  REQUIRE(a.start());
  auto content = kContent;
  content.insert(content.begin(), "Delivered-To: nobody@mx.example.test");
  auto reply = a.deliver({"nobody@mx.example.test"}, "sender@example.org", content);
  REQUIRE(reply);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kBounced);
  CHECK(reply->results[0].dsn == "5.4.6");
  CHECK(reply->results[0].text == "mail forwarding loop for nobody@mx.example.test");
  CHECK(a.mailbox("nobody").empty());
}

TEST_CASE("a held dot-lock defers the delivery with Postfix's text", "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a("deliver_lock_attempts = 2\ndeliver_lock_delay = 1s\n");
  a.instance().dir().write("mail/nobody", "");
  a.instance().dir().write("mail/nobody.lock", "");
  ::chown(a.file("mail/nobody").c_str(), 65534, 65534);
  REQUIRE(a.start());
  auto reply = a.deliver({"nobody@mx.example.test"});
  INFO(a.instance().log());
  REQUIRE(reply);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kDeferred);
  CHECK(reply->results[0].dsn == "4.2.0");
  std::string box = a.file("mail/nobody");
  CHECK(reply->results[0].text == "cannot update mailbox " + box + " for user nobody. " +
                                      "unable to create lock file " + box +
                                      ".lock: File exists");
  CHECK(a.mailbox("nobody").empty());
}

TEST_CASE("remote alias targets are forwarded through cleanup as one new message",
          "[local][slow]") {
  if (test::skip_unless_root("local switches to the recipient")) return;
  LocalAgent a("", "fwd: friend@example.org, other@example.net\n");
  std::string master_cf = a.instance().dir().read("master.cf");
  a.instance().dir().write("master.cf", master_cf + "cleanup unix n - n - 0 cleanup\n");
  REQUIRE(a.start());
  auto reply = a.deliver({"fwd@mx.example.test"}, "sender@example.org", kContent, {"fwd"});
  INFO(a.instance().log());
  REQUIRE(reply);
  REQUIRE(reply->results.size() == 1);
  CHECK(reply->results[0].status == mail::DeliveryStatus::kSent);
  REQUIRE(reply->results[0].text.rfind("forwarded as ", 0) == 0);
  std::string id = reply->results[0].text.substr(13);
  auto queued = mail::read_queue_file(a.file("queue/incoming/" + id));
  REQUIRE(queued);
  CHECK(queued->sender() == "sender@example.org");
  auto rcpts = queued->recipients();
  REQUIRE(rcpts.size() == 2);
  CHECK(rcpts[0].address == "friend@example.org");
  CHECK(rcpts[1].address == "other@example.net");
  CHECK(rcpts[0].orig == "fwd");
  auto lines = queued->text_lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines[0] == "Delivered-To: fwd@mx.example.test");
  CHECK(a.instance().log_has("to=<friend@example.org>, orig_to=<fwd>, relay=local"));
  CHECK(a.instance().log_has("status=sent (forwarded as " + id + ")"));
}
