// conf::Config: one process's view of main.cf (plus -o overrides and the
// built-in defaults of the parameter table). Every program reads parameters
// through this, by their Postfix names. Values are stored unexpanded and
// expanded lazily on each get (as Postfix does), so `$name` references see
// overrides made later with set_override().
// Easy to get wrong: a parameter that is not in the table and not in main.cf
// is "unknown" (postconf warns), not the empty string. Errors from expansion
// carry util::ErrorKind::kMalformed and the detail Postfix prints as a
// warning (`truncated macro reference: "${x"`); Postfix then dies with
// "macro processing error" (postconf) or "dictionary mail_dict: macro
// processing error" (other programs; what the plain get forms do).
// Precedence of raw(): set_override (-o), main.cf, built-in default (computed
// ones such as myhostname see main.cf, as in Postfix), then the per-service
// names made known with declare_service(). process_id, process_name and
// service_name are never taken from main.cf (Postfix ignores them there).
// For postconf: the table itself (conf::builtin_defaults, conf::is_builtin,
// conf::service_parameters) is in libconf/parameters.h; main.cf parsing on
// its own in libconf/main_cf.h; expansion on its own in libconf/expand.h.
// A default-constructed Config has no main.cf (postconf -d's view); a
// moved-from Config may only be assigned to or destroyed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/error.h"

namespace conf {

struct LoadOptions {
  // -c DIR; empty means $MAIL_CONFIG, then the compiled-in config_directory.
  std::string config_dir;
  // Print "warning: FILE, line N: overriding earlier entry: ..." etc. on load.
  bool warn = true;
  // When main.cf is missing: an error (commands) or just defaults.
  bool require_main_cf = true;
  // Warn "CONFIG_DIR/main.cf: undefined parameter: NAME" for each $NAME that
  // expands to nothing because NAME is unknown (postconf does; daemons not).
  bool warn_undefined = false;
};

class Config {
 public:
  // Reads CONFIG_DIR/main.cf. Errors use Postfix's words:
  // "open /nonexist/main.cf: No such file or directory",
  // "/etc/postfix/main.cf, line 1: missing '=' after attribute name: \"novalue\"".
  static util::Result<Config> load(const LoadOptions& options = {});
  // The config directory a command uses when -c is absent: $MAIL_CONFIG or the
  // compiled-in default.
  static std::string default_config_dir();

  Config();
  Config(const Config&);
  Config(Config&&) noexcept;
  Config& operator=(const Config&);
  Config& operator=(Config&&) noexcept;
  ~Config();

  const std::string& config_directory() const;
  // True when the directory came from -c or MAIL_CONFIG (postconf -n shows it).
  bool config_directory_explicit() const;

  // -o name=value, and programmatic settings (e.g. master's service name).
  void set_override(std::string_view name, std::string_view value);
  // Forget an override (postconf -X style edits of a loaded configuration).
  void clear_override(std::string_view name);

  // Make the per-service parameters of a master.cf service known (see
  // conf::service_parameters in parameters.h: "relay" with command "smtp"
  // adds relay_destination_concurrency_limit = $default_..._limit, ...).
  // Config::load reads only main.cf; callers that read master.cf call this
  // for each entry (service name, command = MasterEntry::command).
  void declare_service(std::string_view service, std::string_view command);
  // The names added by declare_service with their defaults, sorted by name.
  std::vector<std::pair<std::string, std::string>> service_parameter_defaults() const;

  // True for the 831 built-in names (conf::is_builtin) and declared
  // per-service names: what postconf lists with -d.
  bool is_known(std::string_view name) const;
  static bool is_builtin(std::string_view name);
  // Built-in default of a name in this configuration's context (host-
  // dependent ones see main.cf), or the per-service default; nullopt if
  // neither.
  std::optional<std::string> default_value(std::string_view name) const;
  // Every built-in and declared name with its default, sorted by name (byte
  // order): `postconf -d` (with defaults computed as if main.cf were empty, as
  // Postfix prints them, when called on a Config made by Config()).
  std::vector<std::pair<std::string, std::string>> defaults() const;
  // Every known name (built-in, declared, set in main.cf or by override) with
  // its raw effective value, sorted: `postconf` with no options.
  std::vector<std::pair<std::string, std::string>> effective_parameters() const;

  // Where a parameter's value came from, for messages: "PATH, line N" when
  // main.cf defines it (and no override does), nullopt otherwise.
  std::optional<std::string> location(std::string_view name) const;
  // Full path of main.cf (config_directory() + "/main.cf").
  std::string main_cf_path() const;
  // Turn the undefined-parameter warnings on or off (LoadOptions::warn_undefined).
  void set_warn_undefined(bool on);

  // Raw value: override, else main.cf, else built-in default; nullopt if unknown.
  std::optional<std::string> raw(std::string_view name) const;
  // Fully expanded value ($name, ${name?x}, ${name:x}, ${{a} == {b}?x:y}, ...).
  // Error on macro syntax errors or recursion beyond the limit, and
  // "NAME: unknown parameter". Raw parameters (conf::is_raw_parameter:
  // forward_path, mailbox_command, ...) come back unexpanded, as Postfix
  // reads them.
  util::Result<std::string> expand(std::string_view name) const;
  // Expand an arbitrary string in this configuration's context.
  util::Result<std::string> expand_text(std::string_view text) const;

  // Typed accessors. The try_ forms return an Error naming the file, line and
  // parameter ("/etc/postfix/main.cf, line 3: bad numerical configuration:
  // smtpd_timeout = abc"); the plain forms call util::msg_fatal with it.
  util::Result<std::string> try_get(std::string_view name) const;
  util::Result<bool> try_get_bool(std::string_view name) const;
  util::Result<long> try_get_int(std::string_view name) const;
  // Time in seconds; a bare number uses the parameter's default unit.
  util::Result<long> try_get_time(std::string_view name) const;
  util::Result<long long> try_get_size(std::string_view name) const;
  // Expanded and split on commas/whitespace, `{...}` kept as one element
  // (braces removed). `/file` and `type:table` elements are returned as is.
  util::Result<std::vector<std::string>> try_get_list(std::string_view name) const;

  // The list syntax of try_get_list applied to any text.
  static std::vector<std::string> split_list(std::string_view value);

  // Values: bool is yes/no in any case ("bad boolean configuration: N = V");
  // int is a decimal that fits an int, size a decimal byte count ("bad
  // numerical configuration: N = V"); time is digits plus an optional unit
  // s, m, h, d or w ("parameter N: bad time value or unit: V"). Each message
  // is prefixed with "PATH, line L: " when the value came from main.cf.
  std::string get(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  long get_int(std::string_view name) const;
  long get_time(std::string_view name) const;
  long long get_size(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;

  // Names set in main.cf, each with its raw value, sorted by name.
  std::vector<std::pair<std::string, std::string>> main_cf_parameters() const;
  // The same with the line of the definition in effect (the last one), sorted.
  struct Definition {
    std::string name;
    std::string value;
    int line = 0;
  };
  std::vector<Definition> main_cf_definitions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // pimpl keeps the header small
};

}  // namespace conf
