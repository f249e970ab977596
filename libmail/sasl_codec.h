// libsasl2's status texts and base64 coder, shared by smtpd (server) and
// smtp (client).
// Easy to get wrong: the coder is libsasl2's, not a generic one, so bad
// input fails with the status Postfix reports (SASL_BADPROT "bad protocol /
// cancel", SASL_CONTINUE for a truncated group).
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace mail {

// sasl_errstring in English.
std::string sasl_status_text(int status);

util::Result<std::string> sasl_encode64(std::string_view data);
// `max` bounds the decoded size; the error is the SASL status (SASL_BADPROT,
// SASL_CONTINUE, SASL_BUFOVER).
std::expected<std::string, int> sasl_decode64(std::string_view text, std::size_t max);

}  // namespace mail
