// smtpd::received_header: the Received: header smtpd puts on top of every
// message it hands to cleanup, as lines without newlines (the first line
// starts "Received: ", continuation lines start with a TAB).
//   Received: from HELO (NAME [ADDR])
//   	(using TLSv1.3 with cipher ...)              when TLS says so
//   	(Authenticated sender: USER)                 smtpd_sasl_authenticated_header
//   	by MYHOSTNAME (MAIL_NAME) with PROTO id QID
//   	for <RCPT>; DATE                             (one recipient), else "id QID;" / DATE
// Easy to get wrong: "for <rcpt>" only with exactly one recipient; an IPv6
// address is written "IPv6:..." inside the brackets; without HELO the
// "from" word is the client name.
#pragma once

#include <string>
#include <vector>

namespace smtpd {

struct ReceivedInfo {
  std::string helo;         // "" when the client sent none
  std::string client_name;  // "unknown" or the verified name
  std::string client_addr;  // "127.0.0.1" / "::1"
  std::string tls_comment;  // "(using ...)" or ""; may hold "\n" for more lines
  std::string auth_sender;  // "" unless smtpd_sasl_authenticated_header shows one
  std::string myhostname;
  std::string mail_name;  // "Postfix"
  std::string protocol;   // "ESMTP", "ESMTPSA", "SMTP"
  std::string queue_id;
  std::string single_recipient;  // "" unless exactly one recipient
  std::string date;              // mail_date()
};

std::vector<std::string> received_header(const ReceivedInfo& info);

}  // namespace smtpd
