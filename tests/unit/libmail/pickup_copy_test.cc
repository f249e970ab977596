// PickupCopy on the maildrop files Postfix 3.7.11's postdrop wrote and on
// queue files as postsuper -r leaves them (tests/data/pickup/, from
// compat/samples/queue): the records pickup sends to cleanup, compared with
// the queue files Postfix's pickup + cleanup made.
#include "libmail/pickup_copy.h"

#include <stdlib.h>
#include <time.h>

#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libmail/queue_file.h"
#include "libmail/record.h"
#include "tests/support/paths.h"

namespace {

std::string slurp(const std::string& name) {
  std::ifstream in(test::data_file("pickup/" + name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Sent {
  std::vector<mail::Record> records;
  std::string text() const {
    std::string out;
    for (const auto& r : records) out += std::string(1, r.type) + " " + r.data + "\n";
    return out;
  }
};

// TZ=UTC for one test, the caller's zone back afterwards.
struct UtcZone {
  UtcZone() {
    if (const char* old = ::getenv("TZ")) saved = old, had = true;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  ~UtcZone() {
    if (had)
      ::setenv("TZ", saved.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
  std::string saved;
  bool had = false;
};

mail::PickupSource source(uid_t owner, std::string id, std::time_t mtime) {
  mail::PickupSource s;
  s.path = "maildrop/ABCDE12345";
  s.owner = owner;
  s.mtime = mtime;
  s.queue_id = std::move(id);
  s.myhostname = "mx.example.test";
  return s;
}

struct Outcome {
  Sent sent;
  util::Result<std::string> sender = std::string();
  util::Result<void> rest;
  std::string detail;
};

Outcome copy(const std::string& bytes, const mail::PickupSource& src, std::size_t limit = 2048) {
  Outcome o;
  mail::RecordReader reader(std::string_view(bytes), limit);
  mail::PickupCopy copy(reader, src, [&](char type, std::string_view payload) -> util::Result<void> {
    o.sent.records.push_back(mail::Record{type, std::string(payload), 0});
    return {};
  });
  o.sender = copy.copy_envelope();
  if (o.sender) o.rest = copy.copy_rest();
  o.detail = copy.detail();
  return o;
}

std::string file_of(const std::vector<std::pair<char, std::string>>& records) {
  std::string out;
  for (const auto& [t, d] : records) mail::append_record(out, t, d);
  return out;
}

}  // namespace

TEST_CASE("pickup sends a maildrop file's envelope as is, then Received and the content",
          "[pickup]") {
  UtcZone utc;
  auto o = copy(slurp("maildrop_root.bin"), source(0, "69895A741A2", 1795426171));
  REQUIRE(o.sender);
  CHECK(*o.sender == "root@example.test");
  REQUIRE(o.rest);
  CHECK(o.sent.text() ==
        "T 1795426200 356365\n"
        "A envelope_id=envid123\n"
        "A ret_flags=2\n"
        "A rewrite_context=local\n"
        "F Root Name\n"
        "S root@example.test\n"
        "A notify_flags=10\n"
        "R cmpuser@example.test\n"
        "A notify_flags=10\n"
        "R other@example.org\n"
        "M \n"
        "N Received: by mx.example.test (Postfix, from userid 0)\n"
        "N \tid 69895A741A2; Mon, 23 Nov 2026 09:29:31 +0000 (UTC)\n"
        "N Subject: maildrop root\n"
        "N To: cmpuser@example.test\n"
        "N \n"
        "N body from root\n"
        "N >From x\n"
        "N From y\n"
        "X \n"
        "E \n");
}

TEST_CASE("pickup's Received header is the one in Postfix's queue file for a user's mail",
          "[pickup]") {
  UtcZone utc;
  auto o = copy(slurp("maildrop_user.bin"), source(1001, "17399A741A9", 1795426173));
  REQUIRE(o.sender);
  CHECK(*o.sender == "cmpuser");  // logged unqualified, as Postfix does
  REQUIRE(o.rest);
  auto queued = mail::parse_queue_file(slurp("qf_sendmail_user_hold.bin"));
  REQUIRE(queued);
  // The first two content lines of the file Postfix queued are pickup's.
  // T A F S R, then M.
  REQUIRE(o.sent.records.size() > 7);
  CHECK(o.sent.records[5].type == 'M');
  for (int i : {0, 1}) {
    CHECK(o.sent.records[6 + i].type == queued->content[i].type);
    CHECK(o.sent.records[6 + i].data == queued->content[i].data);
  }
  CHECK(o.sent.records[6].data == "Received: by mx.example.test (Postfix, from userid 1001)");
}

TEST_CASE("a requeued queue file loses its size, creation time and old actions",
          "[pickup]") {
  UtcZone utc;
  SECTION("size record and create_time are cleanup's to write") {
    auto o = copy(slurp("requeued_maildrop.bin"), source(101, "NEWID", 1795426300));
    REQUIRE(o.sender);
    REQUIRE(o.rest);
    std::string text = o.sent.text();
    CHECK(text.rfind("T 1795426171 430969\nA rewrite_context=local\nF root\n", 0) == 0);
    CHECK(text.find("create_time") == std::string::npos);
    // The old Received header stays below the new one.
    CHECK(text.find("N Received: by mx.example.test (Postfix, from userid 101)\n"
                    "N \tid NEWID; Mon, 23 Nov 2026 09:31:40 +0000 (UTC)\n"
                    "N Received: by mx.example.test (Postfix, from userid 0)\n") !=
          std::string::npos);
  }
  SECTION("FILTER and REDIRECT results are dropped, the VERP record is kept") {
    auto o = copy(slurp("qf_actions_hold.bin"), source(101, "NEWID", 1795426300));
    REQUIRE(o.sender);
    REQUIRE(o.rest);
    std::string text = o.sent.text();
    CHECK(text.find("V +=\n") != std::string::npos);
    CHECK(text.find("L smtp:") == std::string::npos);
    CHECK(text.find("> redir") == std::string::npos);
    CHECK(text.ends_with("N body\nX \nE \n"));
  }
}

TEST_CASE("pickup puts the content filter first and makes up T when S comes first",
          "[pickup]") {
  UtcZone utc;
  auto src = source(0, "ID1", 1795426171);
  src.content_filter = "scan:[127.0.0.1]:10025";
  std::string file = file_of({{'S', "old@example.test"}, {'R', "a@example.test"}, {'M', ""},
                              {'N', " starts with a space"}, {'X', ""}, {'E', ""}});
  auto o = copy(file, src);
  REQUIRE(o.sender);
  REQUIRE(o.rest);
  CHECK(o.sent.text() ==
        "L scan:[127.0.0.1]:10025\n"
        "T 1795426171\n"
        "S old@example.test\n"
        "R a@example.test\n"
        "M \n"
        "N Received: by mx.example.test (Postfix, from userid 0)\n"
        "N \tid ID1; Mon, 23 Nov 2026 09:29:31 +0000 (UTC)\n"
        "N \n"
        "N  starts with a space\n"
        "X \n"
        "E \n");
}

TEST_CASE("pickup calls a maildrop file malformed in Postfix's words", "[pickup]") {
  UtcZone utc;
  auto src = source(1001, "ID1", 1795426171);
  SECTION("a record type that does not belong in the envelope") {
    auto o = copy(file_of({{'T', "1 2"}, {'Z', "junk"}}), src);
    REQUIRE_FALSE(o.sender);
    CHECK(o.sender.error().kind == util::ErrorKind::kMalformed);
    CHECK(o.sender.error().message == "uid=1001: unexpected or malformed record type 90");
  }
  SECTION("a file that ends before E") {
    auto o = copy(file_of({{'T', "1 2"}, {'S', "a"}, {'M', ""}, {'N', "x"}}), src);
    REQUIRE(o.sender);
    REQUIRE_FALSE(o.rest);
    CHECK(o.rest.error().kind == util::ErrorKind::kMalformed);
    CHECK(o.rest.error().message == "uid=1001: unexpected or malformed record type -1");
  }
  SECTION("a record longer than line_length_limit") {
    auto o = copy(file_of({{'T', "1 2"}, {'S', "a"}, {'M', ""}, {'N', std::string(3000, 'x')},
                           {'X', ""}, {'E', ""}}),
                  src);
    REQUIRE(o.sender);
    REQUIRE_FALSE(o.rest);
    CHECK(o.rest.error().message == "uid=1001: unexpected or malformed record type -2");
    CHECK(o.detail == "maildrop/ABCDE12345: illegal length 3000, record type 78");
  }
  SECTION("no sender") {
    auto o = copy(file_of({{'T', "1 2"}, {'R', "a"}, {'M', ""}, {'X', ""}, {'E', ""}}), src);
    REQUIRE_FALSE(o.sender);
    CHECK(o.sender.error().kind == util::ErrorKind::kMalformed);
    CHECK(o.sender.error().message == "ID1: uid=1001: no envelope sender");
  }
  SECTION("content records in the extracted segment") {
    auto o = copy(file_of({{'T', "1 2"}, {'S', "a"}, {'M', ""}, {'X', ""}, {'N', "x"}, {'E', ""}}),
                  src);
    REQUIRE(o.sender);
    REQUIRE_FALSE(o.rest);
    CHECK(o.rest.error().message == "uid=1001: unexpected or malformed record type 78");
  }
}

TEST_CASE("a failure to write to cleanup is not the file's fault", "[pickup]") {
  std::string bytes = slurp("maildrop_user.bin");
  mail::RecordReader reader(std::string_view(bytes), 2048);
  int writes = 0;
  mail::PickupCopy copy(reader, source(0, "ID", 1),
                        [&](char, std::string_view) -> util::Result<void> {
                          if (++writes > 2)
                            return util::fail_kind(util::ErrorKind::kMalformed, "peer went away");
                          return {};
                        });
  auto sender = copy.copy_envelope();
  REQUIRE_FALSE(sender);
  CHECK(sender.error().kind != util::ErrorKind::kMalformed);
}

TEST_CASE("pickup follows pointer records and skips deleted ones", "[pickup]") {
  UtcZone utc;
  // T, p -> jump over a junk record to S; w padding in the content.
  std::string head;
  mail::append_record(head, 'T', "1 2");
  std::string junk;
  mail::append_record(junk, 'Z', "junk");
  char ptr[32];
  std::snprintf(ptr, sizeof ptr, "%15ld", static_cast<long>(head.size() + 17 + junk.size()));
  mail::append_record(head, 'p', ptr);  // 1 + 1 + 15 bytes
  std::string file = head + junk + file_of({{'S', "s@x"}, {'M', ""}, {'w', "old"}, {'N', "b"},
                                            {'X', ""}, {'E', ""}});
  auto o = copy(file, source(0, "ID", 1795426171));
  REQUIRE(o.sender);
  REQUIRE(o.rest);
  CHECK(o.sent.text().find("Z") == std::string::npos);
  CHECK(o.sent.text().find("N b\nX \nE \n") != std::string::npos);
}
