// smtpd::SmtpdMilters: the smtpd_milters of one SMTP session. One
// connection per milter for the whole session (a milter keeps state per
// connection): connect, HELO, MAIL, RCPT and DATA are sent from here; the
// message stages run in cleanup, which gets the connections' fds and state
// over the cleanup connection (mail::CleanupClient::send_milters) and gives
// them back when the message is done (see docs/milter.md).
// Easy to get wrong: the macros come from the session as it is at each
// command; "i" exists only once cleanup gave the queue ID (first RCPT).
#pragma once

#include <string>
#include <vector>

#include "libmail/milter.h"
#include "smtpd/smtpd_state.h"

namespace smtpd {

class SmtpdMilters {
 public:
  SmtpdMilters(const std::vector<mail::MilterSettings>& settings,
               const mail::MilterGlobals& globals)
      : settings_(settings), globals_(globals) {}
  SmtpdMilters(const SmtpdMilters&) = delete;
  SmtpdMilters& operator=(const SmtpdMilters&) = delete;
  ~SmtpdMilters() { quit(); }

  bool enabled() const { return !settings_.empty(); }
  // Each returns the first verdict that is not "continue".
  mail::MilterReply connect(const Session& session);
  mail::MilterReply helo(const Session& session);
  mail::MilterReply mail(const Session& session, const std::vector<std::string>& esmtp_params);
  mail::MilterReply rcpt(const Session& session, const std::vector<std::string>& esmtp_params);
  mail::MilterReply data(const Session& session);
  // The milters that still want this message's content.
  std::vector<const mail::Milter*> for_cleanup() const;
  // The message went to cleanup: no ABORT for it; `failed` (names, space
  // separated) failed in cleanup and are out of the session.
  void message_done(const std::string& failed);
  void abort();
  void quit();

 private:
  mail::MilterMacroLookup lookup(const Session& session) const;
  template <class F>
  mail::MilterReply each(F&& call);

  const std::vector<mail::MilterSettings>& settings_;
  const mail::MilterGlobals& globals_;
  std::vector<mail::Milter> milters_;
  bool in_message_ = false;
};

}  // namespace smtpd
