#include "libmail/cleanup_client.h"

#include <catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "libmail/attr.h"
#include "libmail/record.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;

namespace {

// What a test cleanup server saw from one client.
struct Seen {
  std::int64_t flags = -1;
  std::string records;
  int chunks = 0;
  bool ended = false;
};

// A minimal cleanup server on a real UNIX socket: hands out `queue_id`,
// collects the records, answers with `status`/`reason`.
void serve_one(int listen_fd, Seen& seen, int status, std::string reason) {
  auto fd = util::accept_with_timeout(listen_fd, 10s);
  if (!fd) return;
  util::Stream s(std::move(*fd), 10s);
  mail::AttrList hello;
  hello.add("queue_id", "4ABCDE12345");
  if (!mail::write_attrs(s, hello)) return;
  auto flags = mail::read_attrs(s);
  if (!flags) return;
  seen.flags = flags->get_int("flags").value_or(-1);
  for (;;) {
    auto msg = mail::read_attrs(s);
    if (!msg) return;
    if (msg->empty()) break;
    seen.records += msg->get_string("records").value_or("");
    ++seen.chunks;
  }
  seen.ended = true;
  mail::AttrList reply;
  reply.add("status", status).add("reason", reason);
  (void)mail::write_attrs(s, reply);
}

}  // namespace

TEST_CASE("the cleanup client reads the queue ID, sends flags and records, and returns the verdict",
          "[cleanup]") {
  test::TempDir dir;
  auto listener = util::unix_listen(dir.file("cleanup"), 5);
  REQUIRE(listener);
  Seen seen;
  std::thread server(serve_one, listener->get(), std::ref(seen), 0, "");
  auto client = mail::CleanupClient::open(dir.file("cleanup"), mail::kCleanupFlagMask, 10s);
  REQUIRE(client);
  CHECK(client->queue_id() == "4ABCDE12345");
  REQUIRE(client->write_record(mail::rec::kTime, "1795426200 380968"));
  std::string framed;
  mail::append_record(framed, mail::rec::kFrom, "cmpuser");
  mail::append_record(framed, mail::rec::kRcpt, "cmpuser");
  REQUIRE(client->write_framed(framed));
  REQUIRE(client->write_record(mail::rec::kEnd, ""));
  auto reply = client->finish();
  server.join();
  REQUIRE(reply);
  CHECK(reply->status == mail::kCleanupStatOk);
  CHECK(reply->reason.empty());
  CHECK(seen.flags == mail::kCleanupFlagMask);
  CHECK(seen.ended);
  std::string expect;
  mail::append_record(expect, mail::rec::kTime, "1795426200 380968");
  expect += framed;
  mail::append_record(expect, mail::rec::kEnd, "");
  CHECK(seen.records == expect);
}

TEST_CASE("the cleanup client sends a large message in several chunks and passes a rejection on",
          "[cleanup]") {
  test::TempDir dir;
  auto listener = util::unix_listen(dir.file("cleanup"), 5);
  REQUIRE(listener);
  Seen seen;
  std::thread server(serve_one, listener->get(), std::ref(seen), mail::kCleanupStatCont,
                     "5.7.1 go away");
  auto client = mail::CleanupClient::open(dir.file("cleanup"), 0, 10s);
  REQUIRE(client);
  std::string line(1000, 'x');
  std::string expect;
  for (int i = 0; i < 500; ++i) {
    REQUIRE(client->write_record(mail::rec::kNorm, line));
    mail::append_record(expect, mail::rec::kNorm, line);
  }
  auto reply = client->finish();
  server.join();
  REQUIRE(reply);
  CHECK(reply->status == mail::kCleanupStatCont);
  CHECK(reply->reason == "5.7.1 go away");
  CHECK(seen.chunks > 1);
  CHECK(seen.records == expect);
  CHECK(seen.flags == 0);
}

TEST_CASE("the cleanup client fails cleanly when nobody listens", "[cleanup]") {
  test::TempDir dir;
  auto client = mail::CleanupClient::open(dir.file("nothing"), 0, 2s);
  CHECK_FALSE(client);
}

TEST_CASE("cleanup statuses read as Postfix words them", "[cleanup]") {
  CHECK(mail::cleanup_status_text(mail::kCleanupStatSize) == "message file too big");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatCont) == "message content rejected");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatHopc) == "too many hops");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatRcpt) == "no recipients specified");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatWrite) == "queue file write error");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatBad) == "internal protocol error");
  CHECK(mail::cleanup_status_text(mail::kCleanupStatOk) == "Success");
  auto size = mail::cleanup_status_detail(mail::kCleanupStatSize);
  CHECK(size.smtp_code == 552);
  CHECK(size.dsn == "5.3.4");
  auto cont = mail::cleanup_status_detail(mail::kCleanupStatCont);
  CHECK(cont.smtp_code == 550);
  CHECK(cont.dsn == "5.7.1");
  auto hops = mail::cleanup_status_detail(mail::kCleanupStatHopc);
  CHECK(hops.smtp_code == 554);
  CHECK(hops.dsn == "5.4.0");
  // Several bits: the first in Postfix's order names the failure.
  auto both = mail::cleanup_status_detail(mail::kCleanupStatWrite | mail::kCleanupStatCont);
  CHECK(both.smtp_code == 550);
  auto bad = mail::cleanup_status_detail(mail::kCleanupStatBad | mail::kCleanupStatCont);
  CHECK(bad.smtp_code == 451);
  CHECK(bad.dsn == "4.3.0");
}
