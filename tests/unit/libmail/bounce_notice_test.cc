#include "libmail/bounce_notice.h"

#include <algorithm>
#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/bounce_template.h"
#include "tests/support/paths.h"

namespace {

std::vector<std::string> sample_lines(const std::string& name) {
  std::ifstream in(test::data_file("bounce/" + name), std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What bounce hands to cleanup: the sample from the notice's Received:
// header on, without the mbox trailer, without the Message-Id header that
// cleanup appends, and without local's From_/Return-Path/X-Original-To/
// Delivered-To.
std::vector<std::string> notice_part(const std::vector<std::string>& mbox) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < mbox.size() && !mbox[i].starts_with("Received: ")) ++i;
  bool in_headers = true;
  for (; i < mbox.size(); ++i) {
    if (in_headers && mbox[i].empty()) in_headers = false;
    if (in_headers && mbox[i].starts_with("Message-Id: ")) continue;
    out.push_back(mbox[i]);
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // mbox separator
  return out;
}

// The returned message inside the sample (after its Return-Path:), up to the
// empty line before the closing boundary.
std::vector<std::string> returned_original(const std::vector<std::string>& mbox) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < mbox.size() && !mbox[i].starts_with("Content-Description: Undelivered Message") &&
         !mbox[i].starts_with("Content-Description: Message Headers")) {
    ++i;
  }
  while (i < mbox.size() && !mbox[i].starts_with("Return-Path: ")) ++i;
  for (++i; i < mbox.size() && !mbox[i].starts_with("--"); ++i) out.push_back(mbox[i]);
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

conf::Config config_for(const std::string& host) {
  conf::Config config;
  config.set_override("myhostname", host);
  return config;
}

mail::NoticeInput base_input(mail::NoticeKind kind, const std::string& orig_id,
                             const std::string& new_id, long now, const std::string& date) {
  mail::NoticeInput in;
  in.kind = kind;
  in.myhostname = "mx.example.test";
  in.queue_id = orig_id;
  in.new_queue_id = new_id;
  in.sender = "cmpuser@example.test";
  in.to = "cmpuser@example.test";
  in.subject = mail::builtin_bounce_template(kind).subject;
  in.text = mail::expand_template_text(mail::builtin_bounce_template(kind),
                                       config_for("mx.example.test"));
  in.now = now;
  in.now_date = date;
  in.arrival_date = date;
  return in;
}

void require_same_lines(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    INFO("line " << i + 1);
    REQUIRE(got[i] == want[i]);
  }
  REQUIRE(got.size() == want.size());
}

}  // namespace

TEST_CASE("a non-delivery notice matches Postfix's line for line", "[bounce]") {
  auto mbox = sample_lines("ndr-unknown-user.mbox");
  auto in = base_input(mail::NoticeKind::kFailure, "23C01A7443B", "287BCA7443D", 1795426509,
                       "Mon, 23 Nov 2026 09:35:09 +0000 (UTC)");
  mail::BounceLogEntry e;
  e.recipient = "nosuchuser@example.test";
  e.dsn_orig_rcpt = "rfc822;nosuchuser@example.test";
  e.status = "5.1.1";
  e.action = "failed";
  e.reason = "unknown user: \"nosuchuser\"";
  in.entries = {e};
  in.original = returned_original(mbox);
  REQUIRE(in.original.size() == 9);
  require_same_lines(mail::compose_notice(in), notice_part(mbox));
}

TEST_CASE("a delay warning matches Postfix's, with Will-Retry-Until and folded diagnostics",
          "[bounce]") {
  auto mbox = sample_lines("delay-warning.mbox");
  auto in = base_input(mail::NoticeKind::kDelay, "4jY1Hf2ZJtz1bcfP", "4jY1JP30NPz1bc82",
                       1795427109, "Mon, 23 Nov 2026 09:45:09 +0000 (UTC)");
  in.arrival_date = "Mon, 23 Nov 2026 09:44:30 +0000 (UTC)";
  in.retry_until_date = "Sat, 28 Nov 2026 09:44:30 +0000 (UTC)";
  mail::BounceLogEntry e;
  e.recipient = "far@example.org";
  e.dsn_orig_rcpt = "rfc822;far@example.org";
  e.status = "4.4.1";
  e.action = "delayed";
  e.reason = "connect to 127.0.0.1[127.0.0.1]:24999: Connection refused";
  in.entries = {e};
  in.original = returned_original(mbox);
  in.original.push_back("");
  in.original.push_back("the body is not returned with a delay warning");
  require_same_lines(mail::compose_notice(in), notice_part(mbox));
}

TEST_CASE("a success DSN names the envelope ID and returns the headers only", "[bounce]") {
  auto mbox = sample_lines("dsn-success.mbox");
  auto in = base_input(mail::NoticeKind::kSuccess, "C8418A74503", "CB2A5A74546", 1795426911,
                       "Mon, 23 Nov 2026 09:41:51 +0000 (UTC)");
  in.dsn_envid = "myenvid";
  mail::BounceLogEntry e;
  e.recipient = "root@example.test";
  e.dsn_orig_rcpt = "rfc822;root@example.test";
  e.status = "2.0.0";
  e.action = "expanded";
  e.reason = "delivery via local: alias expanded";
  in.entries = {e};
  in.original = returned_original(mbox);
  in.original.push_back("");
  in.original.push_back("body");
  require_same_lines(mail::compose_notice(in), notice_part(mbox));
}

TEST_CASE("a sendmail -bv report lists every recipient, expanded ones with their original",
          "[bounce]") {
  auto mbox = sample_lines("sendmail-bv-report.mbox");
  auto in = base_input(mail::NoticeKind::kVerify, "D809AA741B6", "DC7C3A744FF", 1795426896,
                       "Mon, 23 Nov 2026 09:41:36 +0000 (UTC)");
  mail::BounceLogEntry bad, good;
  bad.recipient = "nosuchuser@example.test";
  bad.dsn_orig_rcpt = "rfc822;nosuchuser@example.test";
  bad.status = "5.1.1";
  bad.action = "undeliverable";
  bad.reason = "delivery via local: unknown user: \"nosuchuser\"";
  good.recipient = "cmpuser@mx.example.test";
  good.orig_rcpt = "root@example.test";
  good.dsn_orig_rcpt = "rfc822;root@example.test";
  good.status = "2.0.0";
  good.action = "deliverable";
  good.reason = "delivery via local: delivers to mailbox";
  in.entries = {bad, good};
  in.original = returned_original(mbox);
  require_same_lines(mail::compose_notice(in), notice_part(mbox));
}

TEST_CASE("RET=HDRS or a message over bounce_size_limit returns only the headers", "[bounce]") {
  auto in = base_input(mail::NoticeKind::kFailure, "ABC", "DEF", 1, "date");
  mail::BounceLogEntry e;
  e.recipient = "a@x";
  e.status = "5.0.0";
  e.action = "failed";
  e.reason = "r";
  in.entries = {e};
  in.original = {"Subject: s", "", std::string(100, 'b')};
  auto has = [](const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  auto full = mail::compose_notice(in);
  CHECK(has(full, "Content-Type: message/rfc822"));
  CHECK(has(full, std::string(100, 'b')));
  in.dsn_ret = mail::kDsnRetHdrs;
  auto hdrs = mail::compose_notice(in);
  CHECK(has(hdrs, "Content-Description: Undelivered Message Headers"));
  CHECK(has(hdrs, "Content-Type: text/rfc822-headers"));
  CHECK_FALSE(has(hdrs, std::string(100, 'b')));
  in.dsn_ret = mail::kDsnRetFull;
  in.bounce_size_limit = 50;
  auto big = mail::compose_notice(in);
  CHECK(has(big, "Content-Type: text/rfc822-headers"));
  CHECK_FALSE(has(big, std::string(100, 'b')));
}

TEST_CASE("an SMTP rejection reports the remote MTA and its reply as the diagnostic", "[bounce]") {
  auto in = base_input(mail::NoticeKind::kFailure, "ABC", "DEF", 1, "date");
  mail::BounceLogEntry e;
  e.recipient = "rejectme@example.org";
  e.status = "5.1.1";
  e.action = "failed";
  e.diag_type = "smtp";
  e.diag_text = "550 5.1.1 <rejectme@example.org>: Recipient address rejected: User unknown";
  e.mta_type = "dns";
  e.mta_mname = "127.0.0.1";
  e.reason = "host 127.0.0.1[127.0.0.1] said: " + e.diag_text + " (in reply to RCPT TO command)";
  in.entries = {e};
  in.original = {"Subject: s", "", "b"};
  auto lines = mail::compose_notice(in);
  auto at = std::find(lines.begin(), lines.end(), "Status: 5.1.1");
  REQUIRE(at != lines.end());
  CHECK(at[1] == "Remote-MTA: dns; 127.0.0.1");
  CHECK(at[2] == "Diagnostic-Code: smtp; 550 5.1.1 <rejectme@example.org>: Recipient address");
  CHECK(at[3] == "    rejected: User unknown");
}

TEST_CASE("folding breaks at the last space that fits and never splits a word", "[bounce]") {
  CHECK(mail::fold_line("short") == std::vector<std::string>{"short"});
  CHECK(mail::fold_line("aaa bbb ccc", 7) == std::vector<std::string>{"aaa bbb", "    ccc"});
  CHECK(mail::fold_line(std::string(10, 'x') + " y", 5) ==
        std::vector<std::string>{std::string(10, 'x'), "    y"});
}

TEST_CASE("postconf -t shows the built-in templates as Postfix does", "[bounce]") {
  CHECK(mail::template_source(mail::builtin_bounce_template(mail::NoticeKind::kVerify)) ==
        "Charset: us-ascii\n"
        "From: Mail Delivery System <MAILER-DAEMON>\n"
        "Subject: Mail Delivery Status Report\n"
        "\n"
        "This is the mail system at host $myhostname.\n"
        "\n"
        "Enclosed is the mail delivery report that you requested.\n"
        "\n"
        "                   The mail system\n");
}

TEST_CASE("template time parameters convert to the unit their name asks for", "[bounce]") {
  conf::Config config = config_for("h.example");
  config.set_override("delay_warning_time", "3h");
  config.set_override("maximal_queue_lifetime", "2d");
  auto lines = mail::expand_template_text(mail::builtin_bounce_template(mail::NoticeKind::kDelay),
                                          config);
  CHECK(lines[0] == "This is the mail system at host h.example.");
  CHECK(std::find(lines.begin(), lines.end(),
                  "Your message could not be delivered for more than 3 hour(s).") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "It will be retried until it is 2 day(s) old.") !=
        lines.end());
}
