#include "libmail/bounce_client.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "libmail/attr.h"
#include "libutil/socket.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mail::BounceLogEntry smtp_entry(const std::string& len, const std::string& t, off_t offset) {
  mail::BounceLogEntry e;
  e.recipient = "len" + len + "@example.org";
  e.offset = offset;
  e.dsn_orig_rcpt = "rfc822;" + e.recipient;
  e.status = "4.2.0";
  e.action = "delayed";
  e.diag_type = "smtp";
  e.diag_text = "450 4.2.0 " + t;
  e.mta_type = "dns";
  e.mta_mname = "127.0.0.1";
  e.reason = "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 " + t + " (in reply to RCPT TO command)";
  return e;
}

// A one-shot server on a UNIX socket: accepts one client, records its
// request, answers {status=reply_status}. Runs in a child process.
struct FakeService {
  std::string path;
  std::string request_file;
  pid_t pid = -1;
};

FakeService start_service(const test::TempDir& dir, int reply_status) {
  FakeService svc{dir.file("svc"), dir.file("request"), -1};
  auto listener = util::unix_listen(svc.path, 5);
  REQUIRE(listener);
  svc.pid = ::fork();
  REQUIRE(svc.pid >= 0);
  if (svc.pid == 0) {
    int fd = ::accept(listener->get(), nullptr, nullptr);
    if (fd < 0) _exit(2);
    util::Stream s(util::Fd(fd), 5s);
    auto req = mail::read_attrs(s);
    if (!req) _exit(3);
    std::ofstream(svc.request_file, std::ios::binary) << mail::encode_attrs(*req);
    mail::AttrList reply;
    reply.add("status", reply_status);
    _exit(mail::write_attrs(s, reply) ? 0 : 4);
  }
  return svc;
}

mail::AttrList finish_service(const FakeService& svc) {
  int status = 0;
  REQUIRE(::waitpid(svc.pid, &status, 0) == svc.pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  auto req = mail::decode_attrs(slurp(svc.request_file));
  REQUIRE(req);
  return *req;
}

}  // namespace

TEST_CASE("a defer log block is byte-identical to Postfix's for a connection failure", "[bounce]") {
  mail::BounceLogEntry e;
  e.recipient = "remote@example.org";
  e.orig_rcpt = "remote@example.org";
  e.offset = 771;
  e.dsn_orig_rcpt = "rfc822;remote@example.org";
  e.notify_flags = 12;
  e.status = "4.4.1";
  e.action = "delayed";
  e.reason = "connect to 127.0.0.1[127.0.0.1]:24999: Connection refused";
  REQUIRE(mail::format_bounce_log_entry(e) ==
          slurp(test::data_file("bounce/defer-logfile-1rcpt.txt")));
}

TEST_CASE("defer log blocks with SMTP details append to Postfix's three-recipient file",
          "[bounce]") {
  std::string out = mail::format_bounce_log_entry(smtp_entry("10", "tttttttttt", 325)) +
                    mail::format_bounce_log_entry(smtp_entry("1", "t", 248)) +
                    mail::format_bounce_log_entry(smtp_entry("20", "tttttttttttttttttttt", 403));
  REQUIRE(out == slurp(test::data_file("bounce/defer-logfile-3rcpt.txt")));
}

TEST_CASE("an alias-expanded recipient names its original in the log block", "[bounce]") {
  mail::BounceLogEntry e;
  e.recipient = "cmpuser@mx.example.test";
  e.orig_rcpt = "root@example.test";
  e.status = "5.1.1";
  e.action = "failed";
  e.reason = "unknown user";
  REQUIRE(mail::format_bounce_log_entry(e) ==
          "\n<cmpuser@mx.example.test> (expanded from <root@example.test>): unknown user\n"
          "recipient=cmpuser@mx.example.test\n"
          "orig_rcpt=root@example.test\n"
          "status=5.1.1\n"
          "action=failed\n"
          "reason=unknown user\n\n");
}

TEST_CASE("bounce_append sends every field of the entry and succeeds on status 0", "[bounce]") {
  test::TempDir dir;
  auto svc = start_service(dir, 0);
  auto e = smtp_entry("10", "tttttttttt", 325);
  e.orig_rcpt = "orig@example.org";
  e.notify_flags = 6;
  auto r = mail::bounce_append(svc.path, "ABC123", e, 5s);
  auto req = finish_service(svc);
  REQUIRE(r);
  REQUIRE(req.get_string("request").value() == "append");
  REQUIRE(req.get_string("queue_id").value() == "ABC123");
  REQUIRE(req.get_string("recipient").value() == "len10@example.org");
  REQUIRE(req.get_string("orig_rcpt").value() == "orig@example.org");
  REQUIRE(req.get_int("offset").value() == 325);
  REQUIRE(req.get_string("dsn_orig_rcpt").value() == "rfc822;len10@example.org");
  REQUIRE(req.get_int("notify_flags").value() == 6);
  REQUIRE(req.get_string("status").value() == "4.2.0");
  REQUIRE(req.get_string("action").value() == "delayed");
  REQUIRE(req.get_string("diag_type").value() == "smtp");
  REQUIRE(req.get_string("diag_text").value() == "450 4.2.0 tttttttttt");
  REQUIRE(req.get_string("mta_type").value() == "dns");
  REQUIRE(req.get_string("mta_mname").value() == "127.0.0.1");
  REQUIRE(req.get_string("reason").value() == e.reason);
}

TEST_CASE("a notice request carries the message's envelope and fails on a non-zero status",
          "[bounce]") {
  test::TempDir dir;
  mail::NoticeRequest n;
  n.flags = 2;
  n.queue_name = "active";
  n.queue_id = "ABC123";
  n.encoding = "8bit";
  n.sender = "sender@example.org";
  n.dsn_envid = "envid";
  n.dsn_ret = 1;
  SECTION("flush") {
    auto svc = start_service(dir, 1);
    auto r = mail::bounce_flush(svc.path, n, 5s);
    auto req = finish_service(svc);
    REQUIRE_FALSE(r);
    REQUIRE(req.get_string("request").value() == "flush");
    REQUIRE(req.get_int("flags").value() == 2);
    REQUIRE(req.get_string("queue_name").value() == "active");
    REQUIRE(req.get_string("queue_id").value() == "ABC123");
    REQUIRE(req.get_string("encoding").value() == "8bit");
    REQUIRE(req.get_int("smtputf8").value() == 0);
    REQUIRE(req.get_string("sender").value() == "sender@example.org");
    REQUIRE(req.get_string("dsn_envid").value() == "envid");
    REQUIRE(req.get_int("dsn_ret").value() == 1);
  }
  SECTION("warn") {
    auto svc = start_service(dir, 0);
    REQUIRE(mail::bounce_warn(svc.path, n, 5s));
    REQUIRE(finish_service(svc).get_string("request").value() == "warn");
  }
  SECTION("trace_flush") {
    auto svc = start_service(dir, 0);
    REQUIRE(mail::trace_flush(svc.path, n, 5s));
    REQUIRE(finish_service(svc).get_string("request").value() == "trace_flush");
  }
}

TEST_CASE("a bounce request to a missing service is an error, not a hang", "[bounce]") {
  test::TempDir dir;
  mail::NoticeRequest n;
  n.queue_id = "ABC123";
  REQUIRE_FALSE(mail::bounce_flush(dir.file("nosuch"), n, 2s));
}

TEST_CASE("bounce requests read back as the client encoded them", "[bounce]") {
  mail::BounceLogEntry e;
  e.recipient = "user@example.org";
  e.orig_rcpt = "alias@example.org";
  e.offset = 1234;
  e.dsn_orig_rcpt = "rfc822;alias@example.org";
  e.notify_flags = 6;
  e.status = "5.1.1";
  e.action = "failed";
  e.reason = "unknown user: \"user\"";
  e.diag_type = "smtp";
  e.diag_text = "550 5.1.1 no such user";
  e.mta_type = "dns";
  e.mta_mname = "mx.example.org";
  mail::AttrList append = mail::append_request("ABCDE12345", e);
  CHECK(append.get_string("request").value_or("") == "append");
  CHECK(append.get_string("queue_id").value_or("") == "ABCDE12345");
  mail::BounceLogEntry back = mail::parse_append_request(append);
  CHECK(mail::format_bounce_log_entry(back) == mail::format_bounce_log_entry(e));
  CHECK(back.offset == 1234);
  CHECK(back.notify_flags == 6);

  mail::NoticeRequest n;
  n.flags = 3;
  n.queue_name = "active";
  n.queue_id = "ABCDE12345";
  n.encoding = "8BITMIME";
  n.smtputf8 = 1;
  n.sender = "sender@example.org";
  n.dsn_envid = "envid";
  n.dsn_ret = 2;
  mail::NoticeRequest nb = mail::parse_notice_request(mail::notice_request("warn", n));
  CHECK(nb.flags == 3);
  CHECK(nb.queue_name == "active");
  CHECK(nb.queue_id == "ABCDE12345");
  CHECK(nb.encoding == "8BITMIME");
  CHECK(nb.smtputf8 == 1);
  CHECK(nb.sender == "sender@example.org");
  CHECK(nb.dsn_envid == "envid");
  CHECK(nb.dsn_ret == 2);
  // Missing attributes read as empty or zero.
  mail::NoticeRequest empty = mail::parse_notice_request(mail::AttrList{});
  CHECK(empty.queue_id.empty());
  CHECK(empty.dsn_ret == 0);
}
