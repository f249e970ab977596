#include "smtp/smtp_reply.h"

#include <catch.hpp>

#include "libmail/queue_file.h"

using smtp::append_data_line;
using smtp::make_reply;
using smtp::parse_ehlo;

TEST_CASE("a one-line reply keeps its code, enhanced code and text", "[smtp]") {
  auto r = make_reply({"550 5.1.1 <x@example.org>: Recipient address rejected: User unknown\r"});
  CHECK(r.code == 550);
  CHECK(r.dsn == "5.1.1");
  CHECK(r.text == "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown");
}

TEST_CASE("a multi-line reply is all its lines joined with spaces, as Postfix quotes it",
          "[smtp]") {
  auto r = make_reply({"550-5.1.1 The email account does not exist.", "550 5.1.1 Learn more"});
  CHECK(r.code == 550);
  CHECK(r.dsn == "5.1.1");
  CHECK(r.text == "550-5.1.1 The email account does not exist. 550 5.1.1 Learn more");
}

TEST_CASE("a reply without an enhanced code gets one from its class", "[smtp]") {
  CHECK(make_reply({"250 Ok"}).dsn == "2.0.0");
  CHECK(make_reply({"451 try later"}).dsn == "4.0.0");
  CHECK(make_reply({"554 go away"}).dsn == "5.0.0");
  // A code of the wrong class does not count.
  CHECK(make_reply({"450 5.1.1 odd"}).dsn == "4.0.0");
  CHECK(make_reply({"garbage"}).code == 0);
}

TEST_CASE("continuation lines are recognised by the dash after the code", "[smtp]") {
  CHECK(smtp::reply_line_continues("250-PIPELINING"));
  CHECK_FALSE(smtp::reply_line_continues("250 PIPELINING"));
  CHECK_FALSE(smtp::reply_line_continues("25-x"));
}

TEST_CASE("EHLO keywords: PIPELINING, SIZE with its limit, 8BITMIME, DSN, STARTTLS, AUTH",
          "[smtp]") {
  auto r = make_reply({"250-sink.example", "250-PIPELINING", "250-SIZE 10240000",
                       "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-STARTTLS",
                       "250-AUTH PLAIN LOGIN", "250-AUTH=PLAIN", "250 SMTPUTF8"});
  auto f = parse_ehlo(r);
  CHECK(f.esmtp);
  CHECK(f.pipelining);
  CHECK(f.size);
  CHECK(f.size_limit == 10240000);
  CHECK(f.eightbitmime);
  CHECK(f.dsn);
  CHECK(f.starttls);
  CHECK(f.smtputf8);
  CHECK(f.auth);
  CHECK(f.auth_mechanisms == "PLAIN LOGIN");

  auto bare = parse_ehlo(make_reply({"250-x", "250 SIZE"}));
  CHECK(bare.size);
  CHECK(bare.size_limit == 0);
  CHECK_FALSE(bare.pipelining);
  CHECK_FALSE(bare.starttls);
}

TEST_CASE("xtext encodes plus, equals and bytes outside printable ASCII", "[smtp]") {
  CHECK(smtp::xtext("far@example.org") == "far@example.org");
  CHECK(smtp::xtext("a+b=c d") == "a+2Bb+3Dc+20d");
  CHECK(smtp::xtext("\xc3\xa9") == "+C3+A9");
}

TEST_CASE("NOTIFY lists SUCCESS, FAILURE, DELAY in that order, or NEVER alone", "[smtp]") {
  CHECK(smtp::notify_parameter(0).empty());
  CHECK(smtp::notify_parameter(mail::kDsnNotifySuccess) == "NOTIFY=SUCCESS");
  CHECK(smtp::notify_parameter(mail::kDsnNotifyDelay | mail::kDsnNotifyFailure) ==
        "NOTIFY=FAILURE,DELAY");
  CHECK(smtp::notify_parameter(mail::kDsnNotifyNever) == "NOTIFY=NEVER");
}

TEST_CASE("message lines go out with CRLF, leading dots doubled, long lines broken", "[smtp]") {
  std::string out;
  append_data_line(out, "Subject: x", 998);
  append_data_line(out, ".dot line", 998);
  append_data_line(out, "", 998);
  append_data_line(out, "..two", 998);
  CHECK(out == "Subject: x\r\n..dot line\r\n\r\n...two\r\n");

  std::string longer;
  append_data_line(longer, std::string(25, 'a'), 10);
  // 10, then pieces of a space plus 9.
  CHECK(longer == "aaaaaaaaaa\r\n aaaaaaaaa\r\n aaaaaa\r\n");

  std::string dotted;
  append_data_line(dotted, "." + std::string(9, 'b') + ".", 10);
  // Only a line's first piece is dot-stuffed; continuations start with a space.
  CHECK(dotted == "..bbbbbbbbb\r\n .\r\n");
}
