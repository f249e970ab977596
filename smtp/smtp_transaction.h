// One mail transaction over an open session: MAIL FROM (SIZE, BODY, RET,
// ENVID, SMTPUTF8 as the server allows), RCPT TO (NOTIFY, ORCPT), DATA with
// the queue file's content dot-stuffed, and the end-of-data reply (one per
// accepted recipient for LMTP). PIPELINING sends MAIL and all RCPTs at once.
// Users: smtp_service.cc.
// Easy to get wrong: a refused RCPT does not stop the transaction; a MAIL
// or DATA failure applies to every recipient still open; a message larger
// than the server's SIZE is never offered (5.3.4) and the session stays
// usable; with no accepted recipient DATA is not sent.
#pragma once

#include <string>
#include <vector>

#include "libmail/delivery_request.h"
#include "smtp/smtp_session.h"

namespace smtp {

struct TransactionResult {
  std::vector<Failure> outcomes;  // one per recipient given, in order
  // The whole transaction failed at one point (MAIL, DATA, lost
  // connection) rather than per recipient: another server may do better.
  bool transaction_failed = false;
};

TransactionResult run_transaction(Session& session, const Settings& settings,
                                  const mail::DeliveryRequest& request,
                                  const std::vector<const mail::DeliveryRecipient*>& recipients,
                                  const std::vector<std::string>& content);

// "MAIL FROM:<...> SIZE=n ..." and "RCPT TO:<...> ..." for the features
// the server announced (exposed for tests).
std::string mail_command(const mail::DeliveryRequest& request, const Features& features);
std::string rcpt_command(const mail::DeliveryRecipient& rcpt, const Features& features);
// smtp_send_xforward_command: "XFORWARD NAME=.. ADDR=.. PORT=.." and
// "XFORWARD PROTO=.. HELO=.. IDENT=.. SOURCE=.." from the request's log_*
// attributes, only what the server announced and what is known (not
// empty, not "unknown"); none when nothing is left.
std::vector<std::string> xforward_commands(const mail::DeliveryRequest& request, int announced);

}  // namespace smtp
