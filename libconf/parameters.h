// conf parameter table: the 831 built-in main.cf parameters of Postfix 3.7
// with their unexpanded defaults (exactly as `postconf -d` prints them), plus
// the per-service names postconf synthesizes for master.cf delivery services.
// Users: conf::Config (defaults, time units), postconf (-d, unknown names).
// Easy to get wrong: a few defaults depend on the host or the build
// (myhostname, mydomain, mynetworks, process_id, process_name, the *_directory
// paths and sendmail_path/newaliases_path/mailq_path) and are computed here at
// run time, never taken from the generated table's reference column.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conf {

// Where a built-in default comes from.
enum class DefaultSource {
  kStatic,            // the table's value, as printed by Postfix 3.7.11
  kHostname,          // gethostname(); ".$mydomain" appended when it has no dot
  kDomain,            // myhostname after its first dot, else "localdomain"
  kNetworks,          // local interfaces per mynetworks_style
  kProcessId,         // getpid()
  kProcessName,       // util::program_name()
  kCommandDirectory,  // build_paths.h
  kDaemonDirectory,
  kConfigDirectory,
  kQueueDirectory,
  kDataDirectory,
  kMetaDirectory,
  kSendmailPath,  // command_directory/sendmail ("/usr/sbin/sendmail" for /usr)
  kNewaliasesPath,  // command_directory/newaliases (Debian's /usr/bin/newaliases for /usr)
  kMailqPath,       // command_directory/mailq (Debian's /usr/bin/mailq for /usr)
};

struct BuiltinParameter {
  std::string_view name;
  // For kStatic the default; otherwise what the oracle printed (reference only).
  std::string_view value;
  DefaultSource source;
  // Unit a bare number takes for a time parameter ('s', 'm', 'h', 'd', 'w'),
  // 0 when the parameter is not a time.
  char time_unit;
};

// The generated rows, sorted by name in byte order (parameter_defaults.cc).
std::span<const BuiltinParameter> builtin_parameter_rows();

// nullptr when `name` is not a built-in.
const BuiltinParameter* find_builtin(std::string_view name);
bool is_builtin(std::string_view name);
// Default unit of a time parameter: the table's unit, else 's'.
char default_time_unit(std::string_view name);

// What a computed default depends on: the raw (unexpanded) value of another
// parameter as the caller's configuration sees it, nullopt if unset there.
// `expanded` gives the expanded value (mynetworks_style, inet_interfaces).
struct DefaultContext {
  std::function<std::optional<std::string>(std::string_view name)> explicit_value;
  std::function<std::string(std::string_view name)> expanded;
};

// Parameters Postfix never expands when it reads them (the program that uses
// them expands its own macros later: forward_path's $home, the rbl reply's
// $rbl_code, ...): command_execution_directory, default_rbl_reply,
// forward_path, luser_relay, mailbox_command, smtpd_expansion_filter,
// smtpd_reject_footer and their postscreen_ twins.
bool is_raw_parameter(std::string_view name);
// Parameters a program computes itself; main.cf cannot set them
// (process_id, process_name, service_name).
bool is_read_only_parameter(std::string_view name);

// The default of a built-in in a context (main.cf may move myhostname's
// default, as Postfix does); nullopt for unknown names.
std::optional<std::string> builtin_default(std::string_view name, const DefaultContext& context);

// All built-ins with their defaults computed without any main.cf, sorted by
// name: what `postconf -d` prints before master.cf services are added.
std::vector<std::pair<std::string, std::string>> builtin_defaults();

// Host helpers, exposed for tests and for postconf.
std::string host_name();  // gethostname(), "localhost" if that fails
// mynetworks for a style ("subnet", "host", "class"), restricted to the
// addresses of `inet_interfaces` ("all", "loopback-only" or a list of
// addresses) and `inet_protocols` ("all", "ipv4", "ipv6", or a list).
std::string compute_mynetworks(std::string_view style, std::string_view inet_interfaces,
                               std::string_view inet_protocols);

// Per-service parameters synthesized for a master.cf service: commands smtp,
// lmtp, virtual, error and local get the 16 delivery names, pipe the same 16
// plus S_time_limit, spawn only S_time_limit, anything else none. Names that
// are genuine built-ins (local_destination_concurrency_limit,
// local_destination_recipient_limit) are left out. Values are references to
// the generic parameter, e.g. {"relay_destination_concurrency_limit",
// "$default_destination_concurrency_limit"}. Sorted by name.
std::vector<std::pair<std::string, std::string>> service_parameters(std::string_view service,
                                                                    std::string_view command);

}  // namespace conf
