#include "libmail/cleanup_process.h"

#include <catch.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "libmail/cleanup_client.h"
#include "libmail/queue_file.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Postfix's own cleanup output for a sendmail submission, turned back into
// what pickup sent it: no C, create_time, dsn_orig_rcpt or O records, the
// recipient as typed, and without the headers cleanup appended.
struct Sample {
  std::vector<mail::Record> input;
  std::string expected;  // the file Postfix wrote
  std::string queue_id;
  long create_time = 0;
};

Sample sample(const std::string& name, const std::string& queue_id,
              const std::vector<std::pair<std::string, std::string>>& typed_rcpts = {},
              const std::vector<std::string>& extra_headers = {}) {
  Sample s;
  s.expected = slurp(test::data_file("cleanup/" + name + ".bin"));
  s.queue_id = queue_id;
  auto file = mail::parse_queue_file(s.expected);
  REQUIRE(file);
  for (const auto& r : file->envelope) {
    if (r.type == mail::rec::kSize || r.type == mail::rec::kOrigRcpt) continue;
    if (r.type == mail::rec::kAttr && r.data.starts_with("create_time=")) {
      s.create_time = std::atol(r.data.c_str() + 12);
      continue;
    }
    if (r.type == mail::rec::kAttr && r.data.starts_with("dsn_orig_rcpt=")) continue;
    mail::Record in = r;
    for (const auto& [typed, stored] : typed_rcpts)
      if (r.type == mail::rec::kRcpt && r.data == stored) in.data = typed;
    s.input.push_back(in);
  }
  s.input.push_back({mail::rec::kMessage, "", 0});
  bool in_headers = true;
  for (const auto& r : file->content) {
    if (r.data.empty()) {
      if (in_headers)
        for (const auto& h : extra_headers) s.input.push_back({mail::rec::kNorm, h, 0});
      in_headers = false;
    }
    if (in_headers && (r.data.starts_with("Message-Id:") || r.data.starts_with("Date:") ||
                       r.data.starts_with("From:")))
      continue;
    s.input.push_back(r);
  }
  s.input.push_back({mail::rec::kExtract, "", 0});
  s.input.push_back({mail::rec::kEnd, "", 0});
  return s;
}

mail::CleanupTables local_tables() {
  mail::CleanupTables t;
  t.rewrite = [](std::string_view a, bool) {
    std::string s(a);
    if (s.find('@') == std::string::npos) s += "@mx.example.test";
    return s;
  };
  t.maps.qualify = [&t](std::string_view a) { return t.rewrite(a, true); };
  return t;
}

mail::CleanupSettings settings() {
  mail::CleanupSettings s;
  s.myhostname = "mx.example.test";
  s.myorigin = "mx.example.test";
  return s;
}

struct UtcZone {
  UtcZone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

std::vector<std::unique_ptr<util::Dict>> regexp_table(const test::TempDir& dir,
                                                      const std::string& text) {
  std::vector<std::unique_ptr<util::Dict>> out;
  auto d = util::dict_open("regexp:" + dir.write("checks", text));
  REQUIRE(d);
  out.push_back(std::move(*d));
  return out;
}

}  // namespace

TEST_CASE("cleanup writes a sendmail submission byte for byte as Postfix's cleanup did",
          "[cleanup]") {
  UtcZone utc;
  auto s = sample("qf_sendmail_user_hold", "17399A741A9", {{"cmpuser", "cmpuser@mx.example.test"}});
  // The user's envelope sender arrives unqualified, too.
  for (auto& r : s.input)
    if (r.type == mail::rec::kFrom) r.data = "cmpuser";
  auto tables = local_tables();
  auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(mail::build_queue_file(out.message) == s.expected);
  REQUIRE(out.log.size() == 1);
  CHECK(out.log[0] == "message-id=<20261123092933.17399A741A9@mx.example.test>");
}

TEST_CASE("cleanup keeps a root submission's From with its full name and To as written",
          "[cleanup]") {
  UtcZone utc;
  auto s = sample("qf_sendmail_root_hold", "69895A741A2");
  auto tables = local_tables();
  auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(mail::build_queue_file(out.message) == s.expected);
}

TEST_CASE(
    "sendmail -t recipients become extracted recipients, Bcc: goes, header addresses are "
    "qualified",
    "[cleanup]") {
  UtcZone utc;
  auto s = sample("qf_t_hold", "E8C72A74191");
  // What the maildrop file held: the To: as typed, a Bcc: header, and the
  // -t recipients after X as bare R records (one duplicate).
  std::vector<mail::Record> in;
  for (const auto& r : s.input) {
    if (r.type == mail::rec::kNorm && r.data.starts_with("To: ")) {
      in.push_back({mail::rec::kNorm, "To: cmpuser@example.test, postmaster", 0});
      in.push_back({mail::rec::kNorm, "Bcc: hidden@example.org", 0});
      continue;
    }
    if (r.type == mail::rec::kExtract) {
      in.push_back(r);
      for (auto a : {"cmpuser@example.test", "postmaster", "hidden@example.org", "postmaster"})
        in.push_back({mail::rec::kRcpt, a, 0});
      in.push_back({mail::rec::kEnd, "", 0});
      break;
    }
    in.push_back(r);
  }
  auto tables = local_tables();
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(mail::build_queue_file(out.message) == s.expected);
}

TEST_CASE("header_checks HOLD, PREPEND, WARN and BCC act and log as Postfix's", "[cleanup]") {
  UtcZone utc;
  test::TempDir dir;
  auto s = sample("qf_actions2_hold", "25A6FA74581");
  // Postfix's input had no X-Added: header: PREPEND put it there.
  std::erase_if(s.input,
                [](const mail::Record& r) { return r.data == "X-Added: by-header-checks"; });
  auto tables = local_tables();
  tables.header_checks = regexp_table(dir,
                                      "/^Subject: HOLDME/ HOLD\n"
                                      "/^X-Prepend:/ PREPEND X-Added: by-header-checks\n"
                                      "/^X-Warn:/ WARN warned\n"
                                      "/^X-Bcc:/ BCC bcc@example.org\n");
  auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.hold);
  CHECK(mail::build_queue_file(out.message) == s.expected);
  REQUIRE(out.log.size() == 5);
  CHECK(out.log[0] ==
        "hold: header Subject: HOLDME actions2 from local; from=<cmpuser@example.test> "
        "to=<root@example.test>");
  CHECK(out.log[1] ==
        "prepend: header X-Prepend: yes from local; from=<cmpuser@example.test> "
        "to=<root@example.test>: X-Added: by-header-checks");
  // These five lines are Postfix's own log for this message (samples/maillog).
  CHECK(out.log[2] ==
        "warning: header X-Warn: yes from local; from=<cmpuser@example.test> "
        "to=<root@example.test>: warned");
  CHECK(out.log[3] ==
        "bcc: header X-Bcc: yes from local; from=<cmpuser@example.test> to=<root@example.test>: "
        "bcc@example.org");
  CHECK(out.log[4] == "message-id=<20261123094218.25A6FA74581@mx.example.test>");
}

TEST_CASE("header_checks FILTER and REDIRECT go after X, and nothing is checked after REDIRECT",
          "[cleanup]") {
  UtcZone utc;
  test::TempDir dir;
  auto s = sample("qf_actions_hold", "419A7A74166");
  auto tables = local_tables();
  tables.header_checks = regexp_table(dir,
                                      "/^Subject: HOLDME/ HOLD\n"
                                      "/^X-Filter:/ FILTER smtp:[127.0.0.1]:24996\n"
                                      "/^X-Redirect:/ REDIRECT redir@example.org\n"
                                      "/^X-Prepend:/ PREPEND X-Added: by-header-checks\n"
                                      "/^X-Bcc:/ BCC bcc@example.org\n");
  auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.hold);
  CHECK(mail::build_queue_file(out.message) == s.expected);
  // Postfix's own log for this message (samples/maillog-instance-a.log).
  CHECK(out.log ==
        std::vector<std::string>{
            "hold: header Subject: HOLDME actions from local; from=<cmpuser@example.test> "
            "to=<root@example.test>",
            "filter: header X-Filter: yes from local; from=<cmpuser@example.test> "
            "to=<root@example.test>: smtp:[127.0.0.1]:24996",
            "redirect: header X-Redirect: yes from local; from=<cmpuser@example.test> "
            "to=<root@example.test>: redir@example.org",
            "message-id=<20261123094207.419A7A74166@mx.example.test>"});
}

TEST_CASE("header_checks REJECT, DISCARD and IGNORE", "[cleanup]") {
  UtcZone utc;
  test::TempDir dir;
  auto s = sample("qf_sendmail_root_hold", "69895A741A2");
  auto tables = local_tables();
  SECTION("REJECT with text gives the content status and a 5.7.1 reason") {
    tables.header_checks = regexp_table(dir, "/^Subject: HOLDME/ REJECT no thanks\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.status == mail::kCleanupStatCont);
    CHECK(out.reason == "5.7.1 no thanks");
    CHECK(out.log[0] ==
          "reject: header Subject: HOLDME sendmail root from local; from=<root@example.test> "
          "to=<cmpuser@example.test>: 5.7.1 no thanks");
  }
  SECTION("REJECT without text uses Postfix's words") {
    tables.header_checks = regexp_table(dir, "/^Subject: HOLDME/ REJECT\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.reason == "5.7.1 message content rejected");
  }
  SECTION("without the filter flag nothing is checked") {
    tables.header_checks = regexp_table(dir, "/^Subject: HOLDME/ REJECT\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMapOk, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.status == 0);
  }
  SECTION("DISCARD accepts and throws away") {
    tables.header_checks = regexp_table(dir, "/^Subject: HOLDME/ DISCARD\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.status == 0);
    CHECK(out.discard);
    CHECK(out.log ==
          std::vector<std::string>{"discard: header Subject: HOLDME sendmail root from local; "
                                   "from=<root@example.test> to=<cmpuser@example.test>"});
  }
  SECTION("IGNORE drops the header silently") {
    tables.header_checks = regexp_table(dir, "/^Subject: HOLDME/ IGNORE\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.status == 0);
    for (const auto& l : out.message.lines) CHECK_FALSE(l.starts_with("Subject:"));
    CHECK(out.log.size() == 1);  // message-id only
  }
  SECTION("body_checks REPLACE rewrites a body line") {
    tables.body_checks = regexp_table(dir, "/^body from root$/ REPLACE body was here\n");
    auto out = mail::cleanup_process(s.input, mail::kCleanupFlagMask, s.queue_id, 1, 0, settings(),
                                     tables);
    CHECK(out.message.lines.back() == "body was here");
    REQUIRE(out.log.size() == 2);
    CHECK(out.log[0].starts_with("message-id="));
    CHECK(out.log[1] ==
          "replace: body body from root from local; from=<root@example.test> "
          "to=<cmpuser@example.test>: body was here");
  }
}

TEST_CASE("cleanup refuses too many hops, no recipients, an oversized message and a bad stream",
          "[cleanup]") {
  auto tables = local_tables();
  auto base = [](int hops, bool rcpt, std::size_t body) {
    std::vector<mail::Record> in{{mail::rec::kTime, "1795426200 1", 0},
                                 {mail::rec::kAttr, "rewrite_context=local", 0},
                                 {mail::rec::kFrom, "root", 0}};
    if (rcpt) in.push_back({mail::rec::kRcpt, "root", 0});
    in.push_back({mail::rec::kMessage, "", 0});
    for (int i = 0; i < hops; ++i) in.push_back({mail::rec::kNorm, "Received: by x", 0});
    in.push_back({mail::rec::kNorm, "", 0});
    in.push_back({mail::rec::kNorm, std::string(body, 'x'), 0});
    in.push_back({mail::rec::kExtract, "", 0});
    in.push_back({mail::rec::kEnd, "", 0});
    return in;
  };
  auto run = [&](const std::vector<mail::Record>& in, mail::CleanupSettings s = settings()) {
    return mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, s, tables).status;
  };
  CHECK(run(base(49, true, 10)) == 0);
  CHECK(run(base(50, true, 10)) == mail::kCleanupStatHopc);
  CHECK(run(base(1, false, 10)) == mail::kCleanupStatRcpt);
  auto small = settings();
  small.message_size_limit = 100;
  CHECK(run(base(1, true, 200), small) == mail::kCleanupStatSize);
  auto no_end = base(1, true, 10);
  no_end.pop_back();
  CHECK(run(no_end) == mail::kCleanupStatBad);
}

TEST_CASE("virtual aliases expand recipients; canonical maps and masquerading rewrite them",
          "[cleanup]") {
  test::TempDir dir;
  auto tables = local_tables();
  auto open = [&](const std::string& name, const std::string& text) {
    std::vector<std::unique_ptr<util::Dict>> out;
    auto d = util::dict_open("inline:{" + text + "}");
    REQUIRE(d);
    out.push_back(std::move(*d));
    (void)name;
    return out;
  };
  tables.maps.virtual_alias = open("v", "{all@mx.example.test=a@x.test, b@x.test, a@x.test}");
  tables.maps.sender_canonical = open("s", "{root@mx.example.test=admin@example.test}");
  tables.maps.masquerade_domains = {"example.test"};
  tables.maps.is_local_domain = [](std::string_view d) { return d == "mx.example.test"; };
  std::vector<mail::Record> in{{mail::rec::kTime, "1795426200 1", 0},
                               {mail::rec::kAttr, "rewrite_context=local", 0},
                               {mail::rec::kFrom, "root", 0},
                               {mail::rec::kRcpt, "all", 0},
                               {mail::rec::kMessage, "", 0},
                               {mail::rec::kNorm, "From: root@sub.example.test", 0},
                               {mail::rec::kNorm, "", 0},
                               {mail::rec::kExtract, "", 0},
                               {mail::rec::kEnd, "", 0}};
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.message.sender == "admin@example.test");
  REQUIRE(out.message.recipients.size() == 2);
  CHECK(out.message.recipients[0].address == "a@x.test");
  CHECK(out.message.recipients[1].address == "b@x.test");
  CHECK(out.message.recipients[0].orig == "all");
  CHECK(out.message.recipients[0].dsn_orig_rcpt == "rfc822;all@mx.example.test");
  CHECK(out.message.lines[0] == "From: root@example.test");
}

TEST_CASE("a remote message gets no missing headers and logs an empty message-id", "[cleanup]") {
  auto tables = local_tables();
  std::vector<mail::Record> in{
      {mail::rec::kTime, "1795426200 1", 0}, {mail::rec::kAttr, "rewrite_context=remote", 0},
      {mail::rec::kFrom, "a@b.test", 0},     {mail::rec::kRcpt, "c@d.test", 0},
      {mail::rec::kMessage, "", 0},          {mail::rec::kNorm, "Subject: x", 0},
      {mail::rec::kNorm, "To: someone", 0},  {mail::rec::kNorm, "", 0},
      {mail::rec::kExtract, "", 0},          {mail::rec::kEnd, "", 0}};
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.message.lines == std::vector<std::string>{"Subject: x", "To: someone", ""});
  CHECK(out.log == std::vector<std::string>{"message-id=<>"});
}

TEST_CASE("the From header quotes a full name with specials", "[cleanup]") {
  CHECK(mail::make_from_header("From", "a@b", "Root Name") == "From: Root Name <a@b>");
  CHECK(mail::make_from_header("From", "a@b", "") == "From: a@b");
  CHECK(mail::make_from_header("From", "a@b", "Doe, John") == "From: \"Doe, John\" <a@b>");
  CHECK(mail::make_from_header("Resent-From", "", "x") == "Resent-From: MAILER-DAEMON");
}

TEST_CASE("always_bcc adds a NOTIFY=NEVER recipient after X when the client allows it",
          "[cleanup]") {
  auto tables = local_tables();
  auto s = settings();
  s.always_bcc = "archive";
  std::vector<mail::Record> in{
      {mail::rec::kTime, "1795426200 1", 0}, {mail::rec::kAttr, "rewrite_context=local", 0},
      {mail::rec::kFrom, "root", 0},         {mail::rec::kRcpt, "root", 0},
      {mail::rec::kMessage, "", 0},          {mail::rec::kNorm, "", 0},
      {mail::rec::kExtract, "", 0},          {mail::rec::kEnd, "", 0}};
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, s, tables);
  REQUIRE(out.message.extracted_recipients.size() == 1);
  CHECK(out.message.extracted_recipients[0].address == "archive@mx.example.test");
  CHECK(out.message.extracted_recipients[0].notify_flags == mail::kDsnNotifyNever);
  auto internal = mail::cleanup_process(in, mail::kCleanupFlagMaskInternal, "ABC", 1, 0, s, tables);
  CHECK(internal.message.extracted_recipients.empty());
}

TEST_CASE("a content filter from pickup's envelope L record stays with the message", "[cleanup]") {
  auto tables = local_tables();
  std::vector<mail::Record> in{{mail::rec::kFilter, "smtp:[127.0.0.1]:10025", 0},
                               {mail::rec::kTime, "1795426200 1", 0},
                               {mail::rec::kAttr, "rewrite_context=local", 0},
                               {mail::rec::kFrom, "root", 0},
                               {mail::rec::kRcpt, "root", 0},
                               {mail::rec::kMessage, "", 0},
                               {mail::rec::kNorm, "", 0},
                               {mail::rec::kExtract, "", 0},
                               {mail::rec::kEnd, "", 0}};
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, settings(), tables);
  CHECK(out.message.content_filter == "smtp:[127.0.0.1]:10025");
}

TEST_CASE(
    "dsn_orig_rcpt follows canonical mapping but not virtual expansion, and Message-Id "
    "carries cleanup's own time, as on Postfix 3.7",
    "[cleanup]") {
  UtcZone utc;
  auto tables = local_tables();
  auto inline_table = [](const std::string& text) {
    std::vector<std::unique_ptr<util::Dict>> out;
    auto d = util::dict_open("inline:{" + text + "}");
    REQUIRE(d);
    out.push_back(std::move(*d));
    return out;
  };
  tables.maps.recipient_canonical = inline_table("cmpuser@example.test=canon@example.test");
  tables.maps.virtual_alias = inline_table("{all@example.test=a@x.test, b@x.test}");
  std::vector<mail::Record> in{{mail::rec::kTime, "1795454952 1", 0},
                               {mail::rec::kAttr, "rewrite_context=local", 0},
                               {mail::rec::kFrom, "root@example.test", 0},
                               {mail::rec::kRcpt, "cmpuser@example.test", 0},
                               {mail::rec::kRcpt, "all@example.test", 0},
                               {mail::rec::kMessage, "", 0},
                               {mail::rec::kNorm, "Received: a", 0},
                               {mail::rec::kNorm, "Received: b", 0},
                               {mail::rec::kNorm, "To: cmpuser@example.test", 0},
                               {mail::rec::kNorm, "", 0},
                               {mail::rec::kExtract, "", 0},
                               {mail::rec::kEnd, "", 0}};
  auto s = settings();
  s.hopcount_limit = 2;
  // 2026-11-23 17:29:25 UTC, 13 s after the arrival time.
  auto out =
      mail::cleanup_process(in, mail::kCleanupFlagMask, "3A6D2A740A0", 1795454965, 0, s, tables);
  CHECK(out.status == mail::kCleanupStatHopc);
  CHECK(out.warnings == std::vector<std::string>{"message rejected: hopcount exceeded"});
  auto& r = out.message.recipients;
  REQUIRE(r.size() == 3);
  CHECK(r[0].dsn_orig_rcpt == "rfc822;canon@example.test");
  CHECK(r[0].orig == "cmpuser@example.test");
  CHECK(r[0].address == "canon@example.test");
  CHECK(r[1].dsn_orig_rcpt == "rfc822;all@example.test");
  CHECK(r[1].address == "a@x.test");
  CHECK(r[2].address == "b@x.test");
  CHECK(out.message.lines[2] == "To: canon@example.test");
  CHECK(out.message.lines[3] == "Message-Id: <20261123172925.3A6D2A740A0@mx.example.test>");
  CHECK(out.message.lines[4] == "Date: Mon, 23 Nov 2026 17:29:12 +0000 (UTC)");
}

TEST_CASE(
    "rewritten address headers are folded, -t recipients qualified, as Postfix 3.7 did with "
    "the same maildrop file",
    "[cleanup]") {
  UtcZone utc;
  // tests/data/cleanup/postcat_t_headers.txt is Postfix's cleanup output for
  // this maildrop file (sendmail -t -f root root@example.test).
  auto md = mail::parse_queue_file(slurp(test::data_file("cleanup/maildrop_t_headers.bin")));
  REQUIRE(md);
  std::vector<mail::Record> in = md->envelope;
  in.push_back({mail::rec::kMessage, "", 0});
  for (const auto& r : md->content) in.push_back(r);
  in.push_back({mail::rec::kExtract, "", 0});
  for (const auto& r : md->extracted) in.push_back(r);
  in.push_back({mail::rec::kEnd, "", 0});
  auto tables = local_tables();
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "8B2F2A74242", 1795454411, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.message.sender == "root@mx.example.test");
  std::vector<std::string> expect{"From: Joe <joe@mx.example.test>",
                                  "To: cmpuser@example.test, postmaster@mx.example.test,",
                                  "\t\"Doe, J\" <jd@mx.example.test>",
                                  "Cc: postmaster@mx.example.test, friends: a@mx.example.test,",
                                  "\tb@example.org;",
                                  "Reply-To: root@mx.example.test (Root)",
                                  "Message-ID: <abc@def>",
                                  "Subject: t",
                                  "Date: Mon, 23 Nov 2026 17:40:08 +0000 (UTC)",
                                  "",
                                  "body"};
  CHECK(out.message.lines == expect);
  std::vector<std::string> rcpts, origs;
  for (const auto& r : out.message.extracted_recipients) {
    rcpts.push_back(r.address);
    origs.push_back(r.orig.value_or(""));
  }
  CHECK(rcpts == std::vector<std::string>{"cmpuser@example.test", "postmaster@mx.example.test",
                                          "jd@mx.example.test", "a@mx.example.test",
                                          "b@example.org", "hidden@example.org"});
  CHECK(origs == std::vector<std::string>{"cmpuser@example.test", "postmaster", "jd", "a",
                                          "b@example.org", "hidden@example.org"});
  CHECK(out.log == std::vector<std::string>{"message-id=<abc@def>"});
}

TEST_CASE("a table that cannot be searched makes the message wait, in Postfix's words",
          "[cleanup]") {
  auto tables = local_tables();
  auto fail = util::dict_open("fail:broken");
  REQUIRE(fail);
  tables.maps.virtual_alias.push_back(std::move(*fail));
  std::vector<mail::Record> in{
      {mail::rec::kTime, "1795426200 1", 0}, {mail::rec::kAttr, "rewrite_context=local", 0},
      {mail::rec::kFrom, "root", 0},         {mail::rec::kRcpt, "user@example.test", 0},
      {mail::rec::kMessage, "", 0},          {mail::rec::kNorm, "", 0},
      {mail::rec::kExtract, "", 0},          {mail::rec::kEnd, "", 0}};
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "ABC", 1, 0, settings(), tables);
  CHECK(out.status == mail::kCleanupStatWrite);
  REQUIRE_FALSE(out.warnings.empty());
  CHECK(out.warnings.back() ==
        "virtual_alias_maps map lookup problem for user@example.test -- message not accepted, "
        "try again later");
}

TEST_CASE("a resent message gets Resent- headers; Return-Path and Content-Length are dropped",
          "[cleanup]") {
  UtcZone utc;
  auto tables = local_tables();
  std::vector<mail::Record> in{{mail::rec::kTime, "1795456183 1", 0},
                               {mail::rec::kAttr, "rewrite_context=local", 0},
                               {mail::rec::kFrom, "root", 0},
                               {mail::rec::kRcpt, "root@example.test", 0},
                               {mail::rec::kMessage, "", 0}};
  for (auto h : {"Content-Length: 5", "Return-Path: <x@y>", "Resent-To: rt", "Resent-From: rf",
                 "X-Orig: y", "Subject: hdrs", "", "body"})
    in.push_back({mail::rec::kNorm, h, 0});
  in.push_back({mail::rec::kExtract, "", 0});
  in.push_back({mail::rec::kEnd, "", 0});
  // What Postfix 3.7.11 wrote for this message (ID 094A9A74080).
  auto out = mail::cleanup_process(in, mail::kCleanupFlagMask, "094A9A74080", 1795456185, 0,
                                   settings(), tables);
  REQUIRE(out.status == 0);
  CHECK(out.message.lines ==
        std::vector<std::string>{"Resent-To: rt@mx.example.test", "Resent-From: rf@mx.example.test",
                                 "X-Orig: y", "Subject: hdrs",
                                 "Resent-Message-Id: <20261123174945.094A9A74080@mx.example.test>",
                                 "Resent-Date: Mon, 23 Nov 2026 17:49:43 +0000 (UTC)", "", "body"});
  CHECK(out.log ==
        std::vector<std::string>{"resent-message-id=<20261123174945.094A9A74080@mx.example.test>",
                                 "message-id=<>"});
}

TEST_CASE("a late flags record holds or discards the message and is not written to the file",
          "[cleanup]") {
  UtcZone utc;
  auto s = sample("qf_sendmail_root_hold", "69895A741A2");
  auto with_flags = [&](const std::string& value) {
    std::vector<mail::Record> in;
    for (const auto& r : s.input) {
      if (r.type == mail::rec::kEnd) in.push_back({mail::rec::kFlags, value, 0});
      in.push_back(r);
    }
    return in;
  };
  auto tables = local_tables();
  auto held = mail::cleanup_process(with_flags(std::to_string(mail::kCleanupFlagHold)),
                                    mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                    settings(), tables);
  REQUIRE(held.status == 0);
  CHECK(held.hold);
  CHECK_FALSE(held.discard);
  CHECK(mail::build_queue_file(held.message) == s.expected);  // no 'f' record in it
  auto gone = mail::cleanup_process(with_flags(std::to_string(mail::kCleanupFlagDiscard)),
                                    mail::kCleanupFlagMask, s.queue_id, s.create_time, 0,
                                    settings(), tables);
  CHECK(gone.discard);
  // Other bits are not the client's to set late.
  auto other = mail::cleanup_process(with_flags(std::to_string(mail::kCleanupFlagBounce)),
                                     mail::kCleanupFlagMask & ~mail::kCleanupFlagBounce, s.queue_id,
                                     s.create_time, 0, settings(), tables);
  CHECK_FALSE(other.hold);
  CHECK_FALSE(other.discard);
}

TEST_CASE("the size record's SMTPUTF8 field: requested 1, non-ASCII header 2, sender 4",
          "[cleanup]") {
  // As Postfix 3.7.11 recorded them (postcat -v, message_size field 6): a
  // non-ASCII recipient alone or body text sets nothing.
  auto tables = local_tables();
  auto run = [&](const std::string& sender, const std::string& header, int flags,
                 bool enable = true, const std::string& context = "remote") {
    std::vector<mail::Record> in{{mail::rec::kTime, "1795426125 0", 0},
                                 {mail::rec::kAttr, "rewrite_context=" + context, 0},
                                 {mail::rec::kFrom, sender, 0},
                                 {mail::rec::kRcpt, "r\xc3\xb6@mx.example.test", 0},
                                 {mail::rec::kMessage, "", 0},
                                 {mail::rec::kNorm, header, 0},
                                 {mail::rec::kNorm, "", 0},
                                 {mail::rec::kNorm, "body \xc3\xbc", 0},
                                 {mail::rec::kExtract, "", 0},
                                 {mail::rec::kEnd, "", 0}};
    auto s = settings();
    s.smtputf8_enable = enable;
    auto out =
        mail::cleanup_process(in, mail::kCleanupFlagMask | flags, "ABC", 1795426125, 0, s, tables);
    REQUIRE(out.status == 0);
    auto file = mail::parse_queue_file(mail::build_queue_file(out.message));
    REQUIRE(file);
    auto size = file->size();
    REQUIRE(size);
    return size->smtputf8;
  };
  CHECK(run("a@example.test", "Subject: x", 0) == 0);
  CHECK(run("a@example.test", "Subject: x", mail::kCleanupFlagSmtputf8) == 1);
  CHECK(run("a@example.test", "Subject: \xc3\xbc", 0) == 2);
  CHECK(run("\xc3\xa4@example.test", "Subject: x", 0) == 4);
  CHECK(run("\xc3\xa4@example.test", "Subject: \xc3\xbc", mail::kCleanupFlagSmtputf8) == 7);
  // The From: header cleanup adds for local mail is not looked at.
  CHECK(run("\xc3\xa4@example.test", "Subject: x", 0, true, "local") == 4);
  // smtputf8_enable = no: nothing is recorded.
  CHECK(run("\xc3\xa4@example.test", "Subject: \xc3\xbc", mail::kCleanupFlagSmtputf8, false) == 0);
}
