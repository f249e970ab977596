// mail::MaildropWriter and friends against the record shapes Postfix 3.7's
// sendmail/postdrop produced (tests/data/submit/*.records.txt and the
// observations in docs/compat queue.md §4.6).
#include <catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "libmail/maildrop_writer.h"
#include "libmail/record.h"

namespace {

using Pair = std::pair<char, std::string>;

std::vector<Pair> records(const std::string& bytes) {
  auto parsed = mail::parse_records(bytes);
  REQUIRE(parsed);
  std::vector<Pair> out;
  for (const auto& r : *parsed) out.emplace_back(r.type, r.data);
  return out;
}

std::vector<Pair> message(const std::string& input, mail::MessageOptions opt = {}) {
  mail::MaildropWriter w(opt);
  std::string out;
  // Feed in small uneven chunks: line assembly must not depend on them.
  for (std::size_t i = 0; i < input.size(); i += 3) w.feed(input.substr(i, 3), out);
  w.finish(out);
  return records(out);
}

}  // namespace

TEST_CASE("envelope records follow postdrop's order with every option", "[maildrop]") {
  mail::SubmitEnvelope e;
  e.envelope_id = "envid123";
  e.ret_flags = 2;
  e.full_name = "Root Name";
  e.sender = "root@example.test";
  e.notify_flags = 10;
  e.recipients = {"cmpuser@example.test", "other@example.org"};
  std::vector<Pair> want = {
      {'A', "envelope_id=envid123"}, {'A', "ret_flags=2"},  {'A', "rewrite_context=local"},
      {'F', "Root Name"},            {'S', "root@example.test"},
      {'A', "notify_flags=10"},      {'R', "cmpuser@example.test"},
      {'A', "notify_flags=10"},      {'R', "other@example.org"},
      {'M', ""}};
  CHECK(records(mail::envelope_records(e)) == want);
}

TEST_CASE("a plain envelope has an empty F and a VERP record after S", "[maildrop]") {
  mail::SubmitEnvelope e;
  e.sender = "a@b";
  e.verp = "+=";
  e.recipients = {"e1"};
  std::vector<Pair> want = {{'A', "rewrite_context=local"}, {'F', ""}, {'S', "a@b"},
                            {'V', "+="}, {'R', "e1"}, {'M', ""}};
  CHECK(records(mail::envelope_records(e)) == want);
}

TEST_CASE("a lone dot ends the message unless -i, and dots are never unstuffed",
          "[maildrop]") {
  std::string in = "Subject: x\n\n..dot\n.\nafter\n";
  std::vector<Pair> ended = {{'N', "Subject: x"}, {'N', ""}, {'N', "..dot"}, {'X', ""}, {'E', ""}};
  CHECK(message(in) == ended);
  mail::MessageOptions keep;
  keep.dot_ends = false;
  std::vector<Pair> all = {{'N', "Subject: x"}, {'N', ""},      {'N', "..dot"},
                           {'N', "."},          {'N', "after"}, {'X', ""}, {'E', ""}};
  CHECK(message(in, keep) == all);
}

TEST_CASE("CR before LF is dropped, a last line without LF becomes an L record",
          "[maildrop]") {
  std::vector<Pair> want = {{'N', "Subject: x"}, {'N', ""}, {'N', "x"}, {'L', "noeol"},
                            {'X', ""}, {'E', ""}};
  CHECK(message("Subject: x\r\n\r\nx\r\nnoeol") == want);
}

TEST_CASE("a leading From line is dropped, later ones are content", "[maildrop]") {
  std::vector<Pair> want = {{'N', "Subject: x"}, {'N', ""}, {'N', "From y"}, {'X', ""},
                            {'E', ""}};
  CHECK(message("From me Mon Nov 23\nSubject: x\n\nFrom y\n") == want);
}

TEST_CASE("long lines are cut into line_length_limit L pieces and a final N", "[maildrop]") {
  std::string body(5000, 'a');
  auto got = message("\n" + body + "\n");
  REQUIRE(got.size() == 6);
  CHECK(got[1] == Pair{'L', std::string(2048, 'a')});
  CHECK(got[2] == Pair{'L', std::string(2048, 'a')});
  CHECK(got[3] == Pair{'N', std::string(904, 'a')});
  // Exactly the limit: a full piece, then an empty N.
  auto exact = message(std::string(2048, 'b') + "\n");
  REQUIRE(exact.size() == 4);
  CHECK(exact[0] == Pair{'L', std::string(2048, 'b')});
  CHECK(exact[1] == Pair{'N', ""});
}

TEST_CASE("-t extracts To, Cc and Bcc recipients after X, keeping Bcc and duplicates",
          "[maildrop]") {
  mail::MessageOptions t;
  t.extract_recipients = true;
  mail::MaildropWriter w(t);
  std::string out;
  w.feed("Subject: t\nTo: a@x.test,\n b@y.test\nCc: a@x.test\nBcc: hid@z.test\n\nTo: no@body\n",
         out);
  w.finish(out);
  std::vector<Pair> want = {{'N', "Subject: t"},  {'N', "To: a@x.test,"}, {'N', " b@y.test"},
                            {'N', "Cc: a@x.test"}, {'N', "Bcc: hid@z.test"}, {'N', ""},
                            {'N', "To: no@body"}, {'X', ""},            {'R', "a@x.test"},
                            {'R', "b@y.test"},    {'R', "a@x.test"},     {'R', "hid@z.test"},
                            {'E', ""}};
  CHECK(records(out) == want);
}

TEST_CASE("-t uses only Resent- headers when there are any, with notify flags", "[maildrop]") {
  mail::MessageOptions t;
  t.extract_recipients = true;
  t.notify_flags = 14;
  auto got = message("To: a@b\nResent-To: rs@x\nSubject: x\n\nb\n", t);
  std::vector<Pair> tail(got.end() - 4, got.end());
  std::vector<Pair> want = {{'X', ""}, {'A', "notify_flags=14"}, {'R', "rs@x"}, {'E', ""}};
  CHECK(tail == want);
}

TEST_CASE("address lists drop phrases, comments, group names and empty addresses",
          "[maildrop]") {
  std::vector<std::string> want = {"q@x", "r@y", "g1@z", "g2@z", "a b@c", "plain"};
  CHECK(mail::parse_address_list(
            " \"Q, x\" <q@x>, (c) r@y, grp: g1@z, g2@z;,\n  \"a b\"@c , <>, plain") == want);
  CHECK(mail::parse_address_list("<@route:x@y>") == std::vector<std::string>{"@route:x@y"});
  CHECK(mail::parse_address_list("  ").empty());
}

TEST_CASE("with -t a last line without LF ends as N in headers, as L and empty N in the body",
          "[maildrop]") {
  mail::MessageOptions t;
  t.extract_recipients = true;
  std::vector<Pair> header_end = {{'N', "To: c@d"}, {'N', "Subject: x"}, {'X', ""},
                                  {'R', "c@d"},     {'E', ""}};
  CHECK(message("To: c@d\nSubject: x", t) == header_end);
  std::vector<Pair> body_end = {{'N', "To: c@d"}, {'N', ""}, {'N', "qq"}, {'L', "last"},
                                {'N', ""},        {'X', ""}, {'R', "c@d"}, {'E', ""}};
  CHECK(message("To: c@d\n\nqq\nlast", t) == body_end);
}

TEST_CASE("with -t headers ending at a non-header line get an empty line before it",
          "[maildrop]") {
  mail::MessageOptions t;
  t.extract_recipients = true;
  std::vector<Pair> want = {{'N', "To: a@b"}, {'N', ""}, {'N', "not a header"}, {'N', ""},
                            {'N', "b"},       {'X', ""}, {'R', "a@b"},          {'E', ""}};
  CHECK(message("To: a@b\nnot a header\n\nb\n", t) == want);
  std::vector<Pair> plain = {{'N', "To: a@b"}, {'N', "not a header"}, {'X', ""}, {'E', ""}};
  CHECK(message("To: a@b\nnot a header\n") == plain);
}

TEST_CASE("every leading From and >From line is dropped", "[maildrop]") {
  std::vector<Pair> want = {{'N', "Subject: s"}, {'N', "From q"}, {'X', ""}, {'E', ""}};
  CHECK(message("From x\n>From y\nFrom z\nSubject: s\nFrom q\n") == want);
}

TEST_CASE("address lists tolerate missing commas as Postfix does", "[maildrop]") {
  std::vector<std::string> want = {"j@d", "a@b", "c@d", "q r", "s@t", "x@y", "z@w"};
  CHECK(mail::parse_address_list(
            "John Doe <j@d>, a@b c@d, \"q r\" s@t, x@y (c) z@w") == want);
  CHECK(mail::parse_address_list("undisclosed-recipients:;").empty());
  CHECK(mail::parse_address_list("<>").empty());
  CHECK(mail::parse_address_list("Name <a@b>") == std::vector<std::string>{"a@b"});
}

TEST_CASE("with -t a space before a header's colon is removed, without -t kept",
          "[maildrop]") {
  mail::MessageOptions t;
  t.extract_recipients = true;
  std::vector<Pair> want = {{'N', "TO: a@b"}, {'N', "Subject: x"}, {'N', "cc:  c@d"}, {'N', ""},
                            {'X', ""},        {'R', "a@b"},        {'R', "c@d"},      {'E', ""}};
  CHECK(message("TO: a@b\nSubject : x\ncc \t:  c@d\n\n", t) == want);
  std::vector<Pair> plain = {{'N', "Subject : x"}, {'X', ""}, {'E', ""}};
  CHECK(message("Subject : x\n") == plain);
}
