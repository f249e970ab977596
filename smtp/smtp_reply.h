// The text side of the SMTP client: server replies (multi-line, enhanced
// status codes), EHLO keywords, xtext for DSN parameters, and message lines
// made ready for DATA (dot-stuffing, CRLF, smtp_line_length_limit). Pure
// functions so tests/unit/smtp/smtp_reply_test.cc can pin them down.
// Users: smtp_session.cc, smtp_transaction.cc.
// Easy to get wrong: Postfix reports a multi-line reply as ALL its lines
// joined with one space, codes included ("550-5.1.1 a 550 5.1.1 b"), and a
// reply without an enhanced code gets one made from its class ("X.0.0").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtp {

struct Reply {
  int code = 0;                    // 250; 0 when the server said nothing usable
  std::string dsn;                 // "2.0.0", from the reply or made from the code
  std::string text;                // the lines joined with " " (for logs and bounces)
  std::vector<std::string> lines;  // each without CR LF
};

// True when `line` continues ("250-...").
bool reply_line_continues(std::string_view line);
// Builds a Reply from its lines. A garbled first line gives code 0.
Reply make_reply(std::vector<std::string> lines);

// What EHLO/LHLO advertised.
struct Features {
  bool esmtp = false;
  bool pipelining = false;
  bool size = false;
  long long size_limit = 0;  // 0: none announced
  bool eightbitmime = false;
  bool dsn = false;
  bool starttls = false;
  bool smtputf8 = false;
  bool auth = false;
  std::string auth_mechanisms;  // "PLAIN LOGIN", space separated
  int xforward = 0;             // attributes after XFORWARD: kXforward* bits
};
inline constexpr int kXforwardName = 1, kXforwardAddr = 2, kXforwardPort = 4, kXforwardProto = 8,
                     kXforwardHelo = 16, kXforwardIdent = 32, kXforwardSource = 64;
Features parse_ehlo(const Reply& reply);

// RFC 3461 xtext: '+', '=' and bytes outside 33..126 as "+XX".
std::string xtext(std::string_view text);

// "NOTIFY=SUCCESS,FAILURE" for the notify bits of queue_file.h ("" for 0).
std::string notify_parameter(int notify_flags);

// One content line as it goes over the wire: a leading '.' doubled, pieces
// of at most `limit` bytes (0: no limit) each ending in CR LF.
void append_data_line(std::string& out, std::string_view line, size_t limit);

}  // namespace smtp
