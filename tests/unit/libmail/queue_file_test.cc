// The typed queue-file model: reading real Postfix 3.7.11 queue files,
// writing them back, writing new ones the way cleanup and postdrop do, and
// marking recipients done in place.
#include "libmail/queue_file.h"

#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace {

const std::vector<std::string> kSamples = {
    "maildrop_root",         "maildrop_user",         "qf_actions2_hold",
    "qf_actions_hold",       "qf_deferred_partial",   "qf_deferred_warn_longid",
    "qf_longline_hold",      "qf_remote_hold",        "qf_sendmail_root_hold",
    "qf_sendmail_user_hold", "qf_smtp_hold",          "qf_t_hold",
    "requeued_maildrop"};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mail::QueueFile load(const std::string& name) {
  auto file = mail::read_queue_file(test::data_file("queue/" + name + ".bin"));
  REQUIRE(file.has_value());
  return *file;
}

std::pair<std::string, std::string> split(const std::string& data) {
  auto eq = data.find('=');
  return {data.substr(0, eq), data.substr(eq + 1)};
}

bool per_recipient(const std::string& name) {
  return name == "notify_flags" || name == "dsn_orig_rcpt";
}

mail::NewRecipient as_new(const mail::Recipient& r) {
  mail::NewRecipient n;
  n.address = r.address;
  if (!r.orig.empty()) n.orig = r.orig;
  if (!r.dsn_orig_rcpt.empty()) n.dsn_orig_rcpt = r.dsn_orig_rcpt;
  n.notify_flags = r.notify_flags;
  // cleanup gives every recipient but a BCC action's a dsn_orig_rcpt.
  n.bcc_action = r.extracted && r.dsn_orig_rcpt.empty();
  return n;
}

// What cleanup would have been told to produce this file.
mail::NewMessage describe(const mail::QueueFile& file) {
  mail::NewMessage m;
  m.size_record = file.size().has_value();
  auto arrival = file.arrival_time();
  REQUIRE(arrival);
  m.arrival_seconds = arrival->first;
  m.arrival_usec = arrival->second;
  bool after_sender = false;
  for (const auto& r : file.envelope) {
    if (r.type == 'A') {
      auto attr = split(r.data);
      if (attr.first == "create_time") m.create_time = std::stol(attr.second);
      else if (per_recipient(attr.first)) continue;
      else if (after_sender) m.post_sender_attributes.push_back(attr);
      else m.pre_sender_attributes.push_back(attr);
    } else if (r.type == 'F') {
      m.full_name = r.data;
    } else if (r.type == 'S') {
      m.sender = r.data;
      after_sender = true;
    } else if (r.type == 'V') {
      m.verp_delimiters = r.data;
    } else if (r.type == 'W') {
      m.warning_time = std::stol(r.data);
    }
  }
  for (const auto& r : file.extracted) {
    if (r.type == 'A' && !per_recipient(split(r.data).first))
      m.extracted_attributes.push_back(split(r.data));
    else if (r.type == 'L') m.content_filter = r.data;
    else if (r.type == '>') m.redirect_to = r.data;
  }
  for (const auto& r : file.recipients())
    (r.extracted ? m.extracted_recipients : m.recipients).push_back(as_new(r));
  m.lines = file.text_lines();
  if (auto size = file.size()) m.smtputf8 = size->smtputf8;
  return m;
}

}  // namespace

TEST_CASE("every sample queue file parses and serializes to the same bytes", "[queue]") {
  for (const auto& name : kSamples) {
    INFO(name);
    std::string bytes = slurp(test::data_file("queue/" + name + ".bin"));
    auto file = mail::parse_queue_file(bytes);
    REQUIRE(file.has_value());
    CHECK(file->has_end);
    CHECK(mail::serialize_queue_file(*file) == bytes);
  }
}

TEST_CASE("the envelope of an smtpd queue file reads as typed fields", "[queue]") {
  auto file = load("qf_smtp_hold");
  auto size = file.size();
  REQUIRE(size);
  CHECK(size->content_size == 386);
  CHECK(size->data_offset == 802);
  CHECK(size->rcpt_count == 2);
  CHECK(size->qmgr_flags == 12);
  CHECK(size->content_length == 386);
  CHECK(size->smtputf8 == 0);
  CHECK(file.arrival_time() == std::pair<long, long>(1795426125, 712131));
  CHECK(file.sender() == "sender@example.org");
  CHECK(file.attribute("log_ident") == "AFAE8A7414D");
  CHECK(file.attribute("rewrite_context") == "local");
  CHECK_FALSE(file.attribute("notify_flag"));
  auto rcpts = file.recipients();
  REQUIRE(rcpts.size() == 2);
  CHECK(rcpts[0].address == "cmpuser@example.test");
  CHECK(rcpts[0].orig == "cmpuser@example.test");
  CHECK(rcpts[0].dsn_orig_rcpt == "rfc822;Cmpuser@Example.test");
  CHECK(rcpts[0].notify_flags == (mail::kDsnNotifySuccess | mail::kDsnNotifyFailure));
  CHECK(rcpts[0].offset == 700);
  CHECK(rcpts[1].address == "root@example.test");
  CHECK(rcpts[1].notify_flags == 0);
  CHECK(rcpts[1].offset == 781);
  auto lines = file.text_lines();
  REQUIRE(lines.size() == 11);
  CHECK(lines[0] == "Received: from client.example.org (localhost [127.0.0.1])");
  CHECK(lines[8].empty());
  CHECK(file.extracted.size() == 1);
}

TEST_CASE("a delivered recipient reads as done, the deferred one keeps its offset", "[queue]") {
  auto rcpts = load("qf_deferred_partial").recipients();
  REQUIRE(rcpts.size() == 2);
  CHECK(rcpts[0].done);
  CHECK(rcpts[0].offset == 671);
  CHECK_FALSE(rcpts[1].done);
  CHECK(rcpts[1].offset == 771);
  CHECK(rcpts[1].notify_flags == 12);
}

TEST_CASE("sendmail -t recipients come from the extracted segment", "[queue]") {
  auto rcpts = load("qf_t_hold").recipients();
  REQUIRE(rcpts.size() == 3);
  for (const auto& r : rcpts) CHECK(r.extracted);
  CHECK(rcpts[1].orig == "postmaster");
  CHECK(rcpts[1].address == "postmaster@mx.example.test");
}

TEST_CASE("L pieces join into one content line", "[queue]") {
  auto lines = load("qf_longline_hold").text_lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == std::string(3000, 'x'));
}

TEST_CASE("the writer reproduces every sample from its typed description", "[queue]") {
  for (const auto& name : kSamples) {
    INFO(name);
    std::string bytes = slurp(test::data_file("queue/" + name + ".bin"));
    auto file = mail::parse_queue_file(bytes);
    REQUIRE(file.has_value());
    std::string built = mail::build_queue_file(describe(*file));
    // The writer writes live recipients; qmgr turns R into D later.
    for (const auto& r : file->recipients())
      if (r.done) built[static_cast<std::size_t>(r.offset)] = 'D';
    CHECK(built == bytes);
  }
}

TEST_CASE("the C record counts queue-file bytes, recipients and notify flags", "[queue]") {
  mail::NewMessage m;
  m.arrival_seconds = 1795426125;
  m.arrival_usec = 5;
  m.create_time = 1795426125;
  m.pre_sender_attributes = {{"rewrite_context", "local"}};
  m.sender = "";
  m.recipients.push_back({"a@example.test", "a@example.test", "rfc822;a@example.test",
                          mail::kDsnNotifyDelay});
  m.lines = {"Subject: s", "", std::string(5000, 'b')};
  m.extracted_recipients.push_back({"t@example.org", "t@example.org", "rfc822;t@example.org",
                                    mail::kDsnNotifyNever});
  m.extracted_recipients.push_back({"bcc@example.org", "bcc@example.org", std::nullopt,
                                    mail::kDsnNotifySuccess, true});
  m.smtputf8 = 3;
  std::string bytes = mail::build_queue_file(m);
  auto file = mail::parse_queue_file(bytes);
  REQUIRE(file.has_value());
  auto size = file->size();
  REQUIRE(size);
  auto records = mail::parse_records(bytes);
  REQUIRE(records.has_value());
  long m_offset = -1, x_offset = -1;
  for (const auto& r : *records) {
    if (r.type == 'M') m_offset = r.offset;
    if (r.type == 'X') x_offset = r.offset;
  }
  CHECK(size->data_offset == m_offset + 2);
  CHECK(size->content_size == x_offset - size->data_offset);
  CHECK(size->content_length == size->content_size);
  CHECK(size->rcpt_count == 3);
  CHECK(size->qmgr_flags == (mail::kDsnNotifyDelay | mail::kDsnNotifyNever) << 1);
  CHECK(size->smtputf8 == 3);
  CHECK(file->sender() == "");
  CHECK(file->text_lines() == m.lines);
  CHECK(file->content.size() == 5);  // 2 N + 2 L + 1 N
}

TEST_CASE("marking a recipient done overwrites its R byte with D in place", "[queue]") {
  test::TempDir dir;
  std::string path =
      dir.write("qf", slurp(test::data_file("queue/qf_deferred_partial.bin")), 0700);
  std::string before = dir.read("qf");
  REQUIRE(mail::mark_recipient_done(path, 771).has_value());
  std::string after = dir.read("qf");
  REQUIRE(after.size() == before.size());
  CHECK(after[771] == 'D');
  before[771] = 'D';
  CHECK(after == before);
  auto file = mail::read_queue_file(path);
  REQUIRE(file.has_value());
  for (const auto& r : file->recipients()) CHECK(r.done);
  // Again is harmless; a non-recipient offset is refused.
  CHECK(mail::mark_recipient_done(path, 771).has_value());
  auto bad = mail::mark_recipient_done(path, 0);
  REQUIRE_FALSE(bad.has_value());
  CHECK(dir.read("qf") == after);
  CHECK_FALSE(mail::mark_recipient_done(dir.file("missing"), 771).has_value());
}

TEST_CASE("corrupt queue files are errors, not crashes", "[queue]") {
  std::string good = slurp(test::data_file("queue/qf_smtp_hold.bin"));
  auto error_of = [](const std::string& bytes) {
    auto r = mail::parse_queue_file(bytes);
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
  };
  CHECK(error_of(good.substr(0, 98)) == "unexpected EOF reading length, record type 84");
  CHECK(error_of(good.substr(0, 510)) == "unexpected EOF in data, record type 65 length 24");
  CHECK(error_of(good.substr(0, 500)) == "missing end of file marker");
  CHECK(error_of(std::string("N\x02hiE\x00", 6)) == "input is not a valid queue file");
  CHECK(error_of("") == "input is not a valid queue file");
  CHECK(error_of(std::string("T\x01" "1X\x00" "E\x00", 7)) ==
        "out-of-order extracted segment marker");
  CHECK(error_of(std::string("T\x01" "1M\x00" "E\x00", 7)) == "out-of-order message end marker");
  // Every truncation of a real file fails cleanly or parses.
  for (std::size_t n = 0; n < good.size(); ++n) (void)mail::parse_queue_file(good.substr(0, n));
  // Every single-byte corruption too.
  for (std::size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0xA5);
    (void)mail::parse_queue_file(bad);
  }
  mail::ParseLimits small;
  small.max_record_length = 50;
  auto limited = mail::parse_queue_file(good, small);
  REQUIRE_FALSE(limited.has_value());
  CHECK(limited.error().message == "illegal length 95, record type 67");
}
