// cleanup's part of milters: receiving the connections smtpd hands over
// (smtpd_milters), opening non_smtpd_milters for mail from sendmail/pickup
// (a simulated connect from localhost [127.0.0.1], MAIL, RCPT, DATA), and
// running the message stages over the message before it is queued, with
// Postfix's log lines (milter-reject, milter-discard, milter-hold).
// Easy to get wrong: a handed-over connection belongs to smtpd after the
// message: cleanup never sends QUIT on it, only on its own milters.
#pragma once

#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/cleanup_process.h"
#include "libmail/milter.h"
#include "libutil/stream.h"

namespace cleanup {

struct MilterConfig {
  std::vector<mail::MilterSettings> non_smtpd;
  mail::MilterGlobals globals;
  static MilterConfig from_config(const conf::Config& config);
};

// After the client's {milters=K}: acknowledge, take K fds and K states.
util::Result<std::vector<mail::Milter>> receive_milters(util::Stream& client, long count);

// Run the milters over `outcome.message` and fold their verdict into the
// outcome (status/reason, discard, hold, log lines). `handed_over`: the
// milters came from smtpd (else non_smtpd_milters are opened here when the
// flags allow). Returns the names of handed-over milters that failed.
std::string run_milters(std::vector<mail::Milter>& handed_over, bool from_smtpd, int flags,
                        const std::string& queue_id, const MilterConfig& config,
                        const mail::CleanupSettings& settings, const mail::CleanupTables& tables,
                        mail::CleanupOutcome& outcome);

}  // namespace cleanup
