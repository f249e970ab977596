// conf::Config: one process's view of main.cf (plus -o overrides and the
// built-in defaults of the parameter table). Every program reads parameters
// through this, by their Postfix names. Values are stored unexpanded and
// expanded lazily on each get (as Postfix does), so `$name` references see
// overrides made later with set_override().
// Easy to get wrong: a parameter that is not in the table and not in main.cf
// is "unknown" (postconf warns), not the empty string.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

  // Raw value: override, else main.cf, else built-in default; nullopt if unknown.
  std::optional<std::string> raw(std::string_view name) const;
  // Fully expanded value ($name, ${name?x}, ${name:x}, ${{a} == {b}?x:y}, ...).
  // Error on macro syntax errors or recursion beyond the limit.
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

  std::string get(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  long get_int(std::string_view name) const;
  long get_time(std::string_view name) const;
  long long get_size(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;

  // Names set in main.cf, each with its raw value, sorted by name.
  std::vector<std::pair<std::string, std::string>> main_cf_parameters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // pimpl keeps the header small
};

}  // namespace conf
