// smtpd::Settings: the main.cf parameters the protocol engine reads, taken
// once at start (before chroot) through the parameter table. User: the
// protocol engine. Easy to get wrong: smtpd_timeout/junk/hard limits have
// ${stress?...} defaults, which the configuration expands; a
// message_size_limit of 0 means no limit (EHLO then says plain "SIZE").
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "libconf/config.h"

namespace smtpd {

struct Settings {
  std::string myhostname;
  std::string mail_name;
  std::string banner;  // smtpd_banner, expanded
  long long message_size_limit = 10240000;
  long recipient_limit = 1000;
  long recipient_overshoot_limit = 1000;
  size_t line_length_limit = 2048;
  std::chrono::seconds timeout{300};
  long soft_error_limit = 10;
  long hard_error_limit = 20;
  long junk_command_limit = 100;
  long error_sleep_seconds = 1;
  bool helo_required = false;
  bool disable_vrfy = false;
  bool broken_sasl_auth_clients = false;
  bool smtputf8_enable = true;
  bool strict_rfc821 = false;
  bool sasl_authenticated_header = false;
  bool peername_lookup = true;
  bool local_rewrite_all = false;               // local_header_rewrite_clients has static:all
  bool local_rewrite_interfaces = true;         // ... has permit_inet_interfaces
  std::vector<std::string> forbidden_commands;  // upper-cased words
  bool forbid_non_letter_commands = true;       // the default regexp:{{/^[^A-Z]/ Bogus}}
  std::string cleanup_service = "cleanup";
  std::chrono::seconds ipc_timeout{3600};
  int cleanup_flags = 0;
  // smtpd_forbid_bare_newline: kNormalize ("normalize", "yes") only asks
  // for <CR><LF>.<CR><LF>, which we always do; kReject refuses bare LF.
  enum class BareNewline { kNo, kNormalize, kReject };
  BareNewline forbid_bare_newline = BareNewline::kNo;
  int bare_newline_reject_code = 550;  // smtpd_forbid_bare_newline_reject_code
};

Settings read_settings(const conf::Config& config, std::chrono::seconds ipc_timeout);

}  // namespace smtpd
