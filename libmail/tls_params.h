// mail::tls_cipher_list / tls_eecdh_groups: Postfix's TLS cipher "grades"
// (smtpd_tls_ciphers = medium, smtp_tls_mandatory_ciphers = high, ...) and
// eecdh grades turned into the OpenSSL strings util::TlsContext takes.
// Users: smtpd/smtpd_tls.cc and the smtp client's TLS policy.
// Easy to get wrong: the grade names a parameter (tls_medium_cipherlist),
// whose value is an OpenSSL list; the exclusions are appended as ":!X" each,
// and none of this touches TLSv1.3 cipher suites (OpenSSL keeps those apart).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"
#include "libutil/error.h"

namespace mail {

// `param` is the parameter that held `grade` (for the error message);
// `exclude` the elements of *_tls_exclude_ciphers (and mandatory ones).
util::Result<std::string> tls_cipher_list(const conf::Config& config, std::string_view param,
                                          std::string_view grade,
                                          const std::vector<std::string>& exclude);

// smtpd_tls_eecdh_grade: "auto" -> tls_eecdh_auto_curves, "strong" ->
// tls_eecdh_strong_curve, "ultra" -> tls_eecdh_ultra_curve, as a
// colon-separated group list; "none" -> "" (the library default).
util::Result<std::string> tls_eecdh_groups(const conf::Config& config, std::string_view param,
                                           std::string_view grade);

}  // namespace mail
