// The message stages of milters (header, end of headers, body, end of
// message) run over the message cleanup is about to queue, and the edits
// the milters ask for applied to it. Users: cleanup (for the milters smtpd
// handed over and for non_smtpd_milters); unit tests.
// Easy to get wrong: milters run one after the other over the whole
// message, and each sees the edits of the ones before it, as in Postfix.
// Headers go out with continuation lines joined by "\n" and, unless the
// milter asked for the leading space, without the blanks after the colon.
// As in Postfix, smtpd's own Received: header (the first header of SMTP
// mail) is not shown to milters, and header indexes count without it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/milter.h"
#include "libmail/queue_file.h"

namespace mail {

// How cleanup treats an address a milter adds or sets (qualification,
// canonical and virtual mapping, as for addresses from the client). Unset:
// taken as given.
struct MilterAddressMapper {
  std::function<std::vector<NewRecipient>(std::string_view address)> recipient;
  std::function<std::string(std::string_view address)> sender;
};

struct MilterContentOutcome {
  // The first verdict that is not "continue": reject/tempfail (text is the
  // SMTP reply), discard, or quarantine.
  MilterReply reply;
  bool hold = false;        // a milter quarantined the message
  std::string hold_reason;  // its reason
};

// `hide_own_received`: the first header is smtpd's Received: (SMTP mail).
MilterContentOutcome run_milter_content(std::vector<Milter>& milters, NewMessage& message,
                                        const MilterMacroLookup& macros, bool hide_own_received,
                                        const MilterAddressMapper& mapper = {});

// Apply one milter's edits to the message (exposed for unit tests).
void apply_milter_edits(const std::vector<MilterEdit>& edits, NewMessage& message,
                        MilterContentOutcome& outcome, bool hide_own_received,
                        const MilterAddressMapper& mapper = {});

}  // namespace mail
