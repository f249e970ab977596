// smtpd::Restrictions: Postfix's SMTP access policy engine. The protocol
// engine asks it once per stage; it evaluates the smtpd_*_restrictions
// lists (with smtpd_delay_reject, smtpd_restriction_classes, access-table
// actions, check_policy_service, the implicit reject_unlisted_recipient /
// reject_unlisted_sender and relay_recipient_maps checks), logs the
// "NOQUEUE: reject: ..." (or "QID: reject: ...", "reject_warning:") lines,
// and answers with the reply to send or nothing (go on).
// Owner: smtpd/restrictions*.cc, smtpd/access_action*.cc,
// smtpd/policy_client*.cc. User: the protocol engine (smtpd_service.cc).
//
//   auto r = smtpd::Restrictions::create(daemon.config);   // pre-jail: opens tables
//   if (auto reply = r->on_rcpt(session)) { send *reply; count an error; }
//
// Easy to get wrong:
//  - smtpd_delay_reject = yes (the default): client, helo and sender
//    restrictions are evaluated at RCPT time (and again for each RCPT unless
//    a result was final for the session/transaction), not at connect/HELO/MAIL;
//    on_connect/on_helo/on_mail then only evaluate what Postfix evaluates
//    there (nothing but reject_unauth_pipelining and friends).
//  - At RCPT the order is client, helo, sender, smtpd_relay_restrictions,
//    smtpd_recipient_restrictions; a PERMIT in one list ends only that list;
//    a REJECT/DEFER anywhere ends the whole evaluation.
//  - A lookup table that cannot be read gives "451 4.3.0 <addr>: Temporary
//    lookup failure" (never permit, never 5xx).
//  - Default lists are Postfix 3.7's: smtpd_relay_restrictions =
//    permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination.
//  - warn_if_reject turns the next reject into a "reject_warning:" log line
//    and no reply.
//  - Access actions HOLD/DISCARD/PREPEND/REDIRECT/FILTER set fields of the
//    Session (see smtpd_state.h) and do not stop the evaluation (HOLD,
//    DISCARD and FILTER/REDIRECT as Postfix does them).
#pragma once

#include <memory>
#include <optional>

#include "libconf/config.h"
#include "libutil/error.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class Restrictions {
 public:
  // Parse every list and open every table it names (before chroot). A
  // configuration error (unknown restriction, bad class) is an error whose
  // text names the parameter, as Postfix's fatal: message does.
  static util::Result<std::unique_ptr<Restrictions>> create(const conf::Config& config);
  virtual ~Restrictions() = default;

  // Each returns the reply when the command must be refused, nullopt to go
  // on. `session` holds the command's arguments already (helo_name, sender,
  // recipient); the engine may set the action fields of the session.
  virtual std::optional<SmtpReply> on_connect(Session& session) = 0;
  virtual std::optional<SmtpReply> on_helo(Session& session) = 0;
  virtual std::optional<SmtpReply> on_mail(Session& session) = 0;
  virtual std::optional<SmtpReply> on_rcpt(Session& session) = 0;
  // VRFY address: the recipient restrictions with session.recipient set
  // (Postfix's "VRFY from" reject lines); nullopt = "252 2.0.0 address".
  virtual std::optional<SmtpReply> on_vrfy(Session& session) = 0;
  virtual std::optional<SmtpReply> on_etrn(Session& session, const std::string& domain) = 0;
  // smtpd_data_restrictions at DATA / BDAT first chunk.
  virtual std::optional<SmtpReply> on_data(Session& session) = 0;
  // smtpd_end_of_data_restrictions after the final dot, before queuing.
  virtual std::optional<SmtpReply> on_end_of_data(Session& session, long long message_size) = 0;
  // The client talked ahead of our reply where that is not allowed
  // (reject_unauth_pipelining needs to know): the protocol engine calls this
  // before on_* when input was already buffered.
  virtual void note_pipelining(Session& session, bool talked_ahead) = 0;
};

}  // namespace smtpd
