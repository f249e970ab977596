// smtp_send_xforward_command: a message that came in with XFORWARD from a
// content filter goes out to a server that announces XFORWARD with the
// same two XFORWARD commands Debian's Postfix 3.7.11 sent for it (observed
// with a scripted server), before MAIL FROM.
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/smtp_fixture.h"
#include "tests/integration/smtpd_dialogue.h"
#include "tests/integration/smtpd_fixture.h"

TEST_CASE("smtp_send_xforward_command sends the message's origin as Postfix 3.7.11 does",
          "[smtp][smtpd]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  smtp_test::ScriptedServer server(
      [](const std::string&) { return "250 2.1.5 Ok"; },
      "250-PIPELINING\r\n250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT\r\n");
  smtpd_test::SmtpdOptions o;
  o.main_cf =
      "mynetworks = 127.0.0.1/32\nsmtpd_authorized_xforward_hosts = 127.0.0.1\n"
      "smtp_send_xforward_command = yes\nrelayhost = [127.0.0.1]:" +
      std::to_string(server.port()) + "\n";
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  std::vector<std::string> steps{
      "EHLO c.example\r\n",
      "XFORWARD NAME=fwd.example ADDR=10.1.1.1 PORT=2525 PROTO=SMTP HELO=fh.example "
      "IDENT=abc123 SOURCE=LOCAL\r\n"};
  for (const char* step : {"MAIL FROM:<a@example.test>\r\n", "RCPT TO:<far@remote.example>\r\n",
                           "DATA\r\n", "Subject: xforward\r\n\r\nbody\r\n.\r\n", "QUIT\r\n"})
    steps.push_back(step);
  auto replies = smtpd_test::raw_dialogue(s.port(), steps);
  REQUIRE(replies.size() == 8);
  CHECK(replies[2] == "250 2.0.0 Ok");
  CHECK(replies[6].starts_with("250 2.0.0 Ok: queued as "));
  INFO(s.log());
  REQUIRE(s.log_has("status=sent"));
  std::vector<std::string> xforward;
  for (const auto& c : server.commands())
    if (c.starts_with("XFORWARD")) xforward.push_back(c);
  // What Debian's Postfix 3.7.11 sent for the same message (observed).
  CHECK(xforward ==
        std::vector<std::string>{"XFORWARD NAME=fwd.example ADDR=10.1.1.1 PORT=2525",
                                 "XFORWARD PROTO=SMTP HELO=fh.example IDENT=abc123 SOURCE=LOCAL"});
}
