#include "smtpd/smtpd_settings.h"

#include <cctype>

#include "libmail/cleanup_client.h"
#include "libutil/log.h"

namespace smtpd {

Settings read_settings(const conf::Config& c, std::chrono::seconds ipc_timeout) {
  Settings s;
  s.myhostname = c.get("myhostname");
  s.mail_name = c.get("mail_name");
  s.banner = c.get("smtpd_banner");
  s.message_size_limit = c.get_size("message_size_limit");
  s.recipient_limit = c.get_int("smtpd_recipient_limit");
  s.recipient_overshoot_limit = c.get_int("smtpd_recipient_overshoot_limit");
  long line_limit = c.get_int("line_length_limit");
  s.line_length_limit = line_limit > 0 ? static_cast<size_t>(line_limit) : 2048;
  long t = c.get_time("smtpd_timeout");
  s.timeout = std::chrono::seconds(t > 0 ? t : 1);
  s.soft_error_limit = c.get_int("smtpd_soft_error_limit");
  s.hard_error_limit = c.get_int("smtpd_hard_error_limit");
  s.junk_command_limit = c.get_int("smtpd_junk_command_limit");
  s.error_sleep_seconds = c.get_time("smtpd_error_sleep_time");
  s.helo_required = c.get_bool("smtpd_helo_required");
  s.disable_vrfy = c.get_bool("disable_vrfy_command");
  s.broken_sasl_auth_clients = c.get_bool("broken_sasl_auth_clients");
  s.smtputf8_enable = c.get_bool("smtputf8_enable");
  s.strict_rfc821 = c.get_bool("strict_rfc821_envelopes");
  s.sasl_authenticated_header = c.get_bool("smtpd_sasl_authenticated_header");
  s.peername_lookup = c.get_bool("smtpd_peername_lookup");
  s.local_rewrite_interfaces = false;
  for (const auto& item : c.get_list("local_header_rewrite_clients")) {
    if (item == "permit_inet_interfaces") s.local_rewrite_interfaces = true;
    if (item == "static:all") s.local_rewrite_all = true;
  }
  s.forbid_non_letter_commands = false;
  for (const auto& item : c.get_list("smtpd_forbidden_commands")) {
    if (item.rfind("regexp:", 0) == 0 || item.rfind("pcre:", 0) == 0) {
      // Only the shape of the default inline table is understood.
      if (item.find("/^[^A-Z]/") != std::string::npos) s.forbid_non_letter_commands = true;
      continue;
    }
    std::string word;
    for (char ch : item) word += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    s.forbidden_commands.push_back(word);
  }
  s.cleanup_service = c.get("cleanup_service_name");
  s.ipc_timeout = ipc_timeout;
  int flags = mail::kCleanupFlagMask;
  for (const auto& option : c.get_list("receive_override_options")) {
    if (option == "no_header_body_checks") flags &= ~mail::kCleanupFlagFilter;
    if (option == "no_address_mappings")
      flags &= ~(mail::kCleanupFlagMapOk | mail::kCleanupFlagBccOk);
    if (option == "no_milters") flags &= ~mail::kCleanupFlagMilter;
  }
  s.cleanup_flags = flags;
  std::string bare;
  for (char ch : c.get("smtpd_forbid_bare_newline"))
    bare += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (bare == "no") {
    s.forbid_bare_newline = Settings::BareNewline::kNo;
  } else if (bare == "yes" || bare == "normalize") {
    s.forbid_bare_newline = Settings::BareNewline::kNormalize;
  } else if (bare == "reject") {
    s.forbid_bare_newline = Settings::BareNewline::kReject;
  } else {
    util::msg_fatal("bad parameter value: 'smtpd_forbid_bare_newline = " +
                    c.get("smtpd_forbid_bare_newline") + "'");
  }
  long code = c.get_int("smtpd_forbid_bare_newline_reject_code");
  if (code < 500)
    util::msg_fatal("invalid smtpd_forbid_bare_newline_reject_code parameter value " +
                    std::to_string(code) + " < 500");
  s.bare_newline_reject_code = static_cast<int>(code);
  return s;
}

}  // namespace smtpd
