#include "pipe/pipe_argv.h"

#include <catch.hpp>

#include "pipe/pipe_service.h"

using pipe_agent::ArgvContext;
using pipe_agent::expand_pipe_argv;
using pipe_agent::PipeFlags;

namespace {

mail::DeliveryRequest request() {
  mail::DeliveryRequest r;
  r.queue_id = "4ABCDEF";
  r.nexthop = "Example.COM";
  r.sender = "Sender@Example.org";
  r.data_size = 1234;
  r.client_addr = "192.0.2.7";
  mail::DeliveryRecipient a;
  a.address = "Joe+List@Example.COM";
  a.orig_rcpt = "alias@example.com";
  mail::DeliveryRecipient b;
  b.address = "ann@example.com";
  r.recipients = {a, b};
  return r;
}

std::vector<std::string> expand(const std::vector<std::string>& argv, const PipeFlags& flags,
                                const mail::DeliveryRequest& r = request()) {
  ArgvContext c{r, flags, "MAILER-DAEMON", "+"};
  auto out = expand_pipe_argv(argv, c);
  REQUIRE(out);
  return *out;
}

}  // namespace

TEST_CASE("pipe repeats a word with a recipient macro once per recipient", "[pipe]") {
  PipeFlags none;
  CHECK(expand({"/usr/bin/maildrop", "-d", "${recipient}"}, none) ==
        std::vector<std::string>{"/usr/bin/maildrop", "-d", "Joe+List@Example.COM",
                                 "ann@example.com"});
  CHECK(expand({"-f$sender", "$nexthop!rmail", "($recipient)"}, none) ==
        std::vector<std::string>{"-fSender@Example.org", "Example.COM!rmail",
                                 "(Joe+List@Example.COM)", "(ann@example.com)"});
  CHECK(expand({"${user}/${extension}/${mailbox}/${domain}/$(original_recipient)"}, none) ==
        std::vector<std::string>{"Joe/List/Joe+List/Example.COM/alias@example.com",
                                 "ann//ann/example.com/ann@example.com"});
  CHECK(expand({"${size}", "${queue_id}", "${client_address}"}, none) ==
        std::vector<std::string>{"1234", "4ABCDEF", "192.0.2.7"});
}

TEST_CASE("pipe's h and u flags fold the domain and the local part", "[pipe]") {
  PipeFlags hu;
  hu.fold_host = hu.fold_user = true;
  CHECK(expand({"${recipient}", "${nexthop}", "${sender}"}, hu) ==
        std::vector<std::string>{"joe+list@example.com", "ann@example.com", "example.com",
                                 "Sender@Example.org"});
}

TEST_CASE("pipe's q flag quotes a local part that needs it", "[pipe]") {
  auto r = request();
  r.recipients.resize(1);
  r.recipients[0].address = "john doe@example.com";
  PipeFlags q;
  q.quote = true;
  CHECK(expand({"${recipient}"}, q, r) == std::vector<std::string>{"\"john doe\"@example.com"});
  PipeFlags none;
  CHECK(expand({"${recipient}"}, none, r) == std::vector<std::string>{"john doe@example.com"});
}

TEST_CASE("pipe keeps a '$' in a value as text and names an unknown macro", "[pipe]") {
  auto r = request();
  r.recipients.resize(1);
  r.recipients[0].address = "$(sender)${nexthop}@example.com";
  r.sender.clear();
  PipeFlags none;
  CHECK(expand({"${recipient}", "${sender}"}, none, r) ==
        std::vector<std::string>{"$(sender)${nexthop}@example.com", "MAILER-DAEMON"});
  ArgvContext c{r, none, "MAILER-DAEMON", "+"};
  auto bad = expand_pipe_argv({"${bogus}"}, c);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unknown macro name: \"bogus\"");
}

TEST_CASE("pipe's copy follows the flags, dot-stuffing and eol", "[pipe]") {
  pipe_agent::PipeAttributes attr;
  attr.flags.from_line = attr.flags.return_path = attr.flags.delivered_to = true;
  attr.flags.dot_stuff = attr.flags.quote_from = true;
  attr.eol = "\r\n";
  auto r = request();
  r.recipients.resize(1);
  std::string copy =
      pipe_agent::pipe_copy(attr, r, {"Subject: x", "", ".dot", "From me"}, 1765000000);
  INFO(copy);
  CHECK(copy.rfind("From Sender@Example.org  ", 0) == 0);
  CHECK(
      copy.find("\r\nReturn-Path: <Sender@Example.org>\r\n"
                "Delivered-To: Joe+List@Example.COM\r\nSubject: x\r\n\r\n..dot\r\n>From me\r\n") !=
      std::string::npos);
  CHECK(copy.find("\n\n") == std::string::npos);

  attr.flags = {};
  r.sender.clear();
  attr.flags.return_path = true;
  attr.eol = "\n";
  CHECK(pipe_agent::pipe_copy(attr, r, {"Subject: y", "", ".dot"}, 0) ==
        "Return-Path: <MAILER-DAEMON>\nSubject: y\n\n.dot\n");
}

TEST_CASE("pipe's flags fold and quote only recipient addresses", "[pipe]") {
  PipeFlags all;
  all.fold_host = all.fold_user = all.quote = true;
  auto r = request();
  r.recipients.resize(1);
  CHECK(expand({"${sender}", "${recipient}"}, all, r) ==
        std::vector<std::string>{"Sender@Example.org", "joe+list@example.com"});
}
