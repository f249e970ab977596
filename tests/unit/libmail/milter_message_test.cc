#include "libmail/milter_message.h"

#include <catch.hpp>

#include "libconf/config.h"
#include "libmail/milter_settings.h"

namespace {

mail::NewMessage sample() {
  mail::NewMessage m;
  m.sender = "s@example.org";
  m.recipients.push_back({"a@example.test", std::string("a@example.test"), {}, 0, false});
  m.recipients.push_back({"b@example.test", std::string("b@example.test"), {}, 0, false});
  m.lines = {"Received: from x", "\tby y", "Subject: hi", "X-Tag: one", "X-Tag: two", "", "body"};
  return m;
}

using K = mail::MilterEdit::Kind;

}  // namespace

TEST_CASE("milter header edits add, insert, change and delete by name and index", "[milter]") {
  mail::NewMessage m = sample();
  mail::MilterContentOutcome out;
  mail::apply_milter_edits({{K::kInsertHeader, 0, "X-Top", "first", "", false},
                            {K::kAddHeader, 0, "X-End", "line1\r\n\tline2", "", false},
                            {K::kChangeHeader, 2, "x-tag", "TWO", "", false},
                            {K::kChangeHeader, 1, "X-Tag", "", "", false},
                            {K::kChangeHeader, 1, "X-Missing", "new", "", false},
                            {K::kInsertHeader, 99, "X-Lead", " spaced", "", true}},
                           m, out, false);
  CHECK(m.lines == std::vector<std::string>{"X-Top: first", "Received: from x", "\tby y",
                                            "Subject: hi", "x-tag: TWO", "X-End: line1", "\tline2",
                                            "X-Missing: new", "X-Lead: spaced", "", "body"});
  CHECK_FALSE(out.hold);
}

TEST_CASE("smtpd's own Received: header is hidden from milter change-header indexes", "[milter]") {
  mail::NewMessage m = sample();
  mail::MilterContentOutcome out;
  mail::apply_milter_edits({{K::kInsertHeader, 0, "X-Top", "first", "", false},
                            {K::kChangeHeader, 1, "Received", "", "", false}},
                           m, out, true);
  CHECK(m.lines == std::vector<std::string>{"X-Top: first", "Received: from x", "\tby y",
                                            "Subject: hi", "X-Tag: one", "X-Tag: two", "", "body"});
}

TEST_CASE("milter envelope and body edits change recipients, sender, body and hold", "[milter]") {
  mail::NewMessage m = sample();
  mail::MilterContentOutcome out;
  mail::apply_milter_edits({{K::kDelRcpt, 0, "", "<A@example.test>", "", false},
                            {K::kAddRcpt, 0, "", "<c@example.test>", "NOTIFY=NEVER", false},
                            {K::kChangeFrom, 0, "", "<new@example.org>", "", false},
                            {K::kReplaceBody, 0, "", "one\r\ntwo\r\n", "", false},
                            {K::kQuarantine, 0, "", "why", "", false}},
                           m, out, false);
  REQUIRE(m.recipients.size() == 2);
  CHECK(m.recipients[0].address == "b@example.test");
  CHECK(m.recipients[1].address == "c@example.test");
  CHECK(m.sender == "new@example.org");
  CHECK(m.lines.back() == "two");
  CHECK(m.lines[m.lines.size() - 2] == "one");
  CHECK(out.hold);
  CHECK(out.hold_reason == "why");
}

TEST_CASE("milter lists take the Postfix 3 per-milter form", "[milter]") {
  conf::Config c;
  c.set_override("milter_default_action", "accept");
  c.set_override("smtpd_milters",
                 "inet:localhost:8891, { unix:/run/m.sock, connect_timeout=10s, "
                 "default_action=tempfail, command_timeout=2m }");
  auto l = mail::parse_milter_list(c, "smtpd_milters");
  REQUIRE(l.has_value());
  REQUIRE(l->size() == 2);
  CHECK((*l)[0].name == "inet:localhost:8891");
  CHECK((*l)[0].default_action == mail::MilterDefault::kAccept);
  CHECK((*l)[0].connect_timeout == std::chrono::seconds(30));
  CHECK((*l)[1].name == "unix:/run/m.sock");
  CHECK((*l)[1].default_action == mail::MilterDefault::kTempfail);
  CHECK((*l)[1].connect_timeout == std::chrono::seconds(10));
  CHECK((*l)[1].command_timeout == std::chrono::minutes(2));
  conf::Config bad;
  bad.set_override("smtpd_milters", "{ inet:h:1, default_action=maybe }");
  CHECK_FALSE(mail::parse_milter_list(bad, "smtpd_milters").has_value());
}
