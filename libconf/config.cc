// conf::Config: main.cf definitions, -o overrides, built-in and per-service
// defaults, lazy expansion and typed values.
#include "libconf/config.h"

#include <cctype>
#include <climits>
#include <cstdlib>
#include <map>

#include "build_paths.h"
#include "libconf/expand.h"
#include "libconf/main_cf.h"
#include "libconf/parameters.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace conf {

struct Config::Impl {
  struct Entry {
    std::string value;
    int line = 0;
  };
  std::string config_dir = build::kConfigDirectory;
  bool explicit_dir = false;
  bool warn_undefined = false;
  std::map<std::string, Entry, std::less<>> main_cf;
  std::map<std::string, std::string, std::less<>> overrides;
  std::map<std::string, std::string, std::less<>> services;
  // Computed defaults of myhostname and mydomain refer to each other through
  // main.cf values; this bounds the round trips when main.cf makes a loop.
  mutable int computing_default = 0;
};

namespace {

constexpr int kMaxDefaultRecursion = 4;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A decimal with optional sign, the whole text, into a long long.
bool parse_decimal(std::string_view s, long long& out) {
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (!all_digits(digits)) return false;
  std::string copy(s);
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(copy.c_str(), &end, 10);
  return errno == 0 && end && *end == 0;
}

[[noreturn]] void fatal_for(const util::Error& error) {
  if (error.kind == util::ErrorKind::kMalformed) {
    util::msg_warn(error.message);
    util::msg_fatal("dictionary mail_dict: " + std::string(kMacroProcessingError));
  }
  util::msg_fatal(error.message);
}

}  // namespace

Config::Config() : impl_(std::make_unique<Impl>()) {}
Config::Config(const Config& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(const Config& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Config& Config::operator=(Config&&) noexcept = default;
Config::~Config() = default;

std::string Config::default_config_dir() {
  const char* env = std::getenv("MAIL_CONFIG");
  if (env && *env) return env;
  return build::kConfigDirectory;
}

util::Result<Config> Config::load(const LoadOptions& options) {
  Config config;
  Impl& impl = *config.impl_;
  const char* env = std::getenv("MAIL_CONFIG");
  if (!options.config_dir.empty()) {
    impl.config_dir = options.config_dir;
    impl.explicit_dir = true;
  } else if (env && *env) {
    impl.config_dir = env;
    impl.explicit_dir = true;
  }
  impl.warn_undefined = options.warn_undefined;
  auto defs = read_main_cf(config.main_cf_path(), options.warn);
  if (!defs) {
    if (defs.error().sys_errno == ENOENT && !options.require_main_cf) return config;
    return std::unexpected(defs.error());
  }
  for (MainCfDefinition& def : *defs)
    impl.main_cf[def.name] = Impl::Entry{std::move(def.value), def.line};
  return config;
}

const std::string& Config::config_directory() const { return impl_->config_dir; }
bool Config::config_directory_explicit() const { return impl_->explicit_dir; }
std::string Config::main_cf_path() const { return impl_->config_dir + "/main.cf"; }
void Config::set_warn_undefined(bool on) { impl_->warn_undefined = on; }

void Config::set_override(std::string_view name, std::string_view value) {
  impl_->overrides[std::string(name)] = std::string(value);
}

void Config::clear_override(std::string_view name) {
  auto it = impl_->overrides.find(name);
  if (it != impl_->overrides.end()) impl_->overrides.erase(it);
}

void Config::declare_service(std::string_view service, std::string_view command) {
  for (auto& [name, value] : service_parameters(service, command))
    impl_->services.emplace(std::move(name), std::move(value));
}

std::vector<std::pair<std::string, std::string>> Config::service_parameter_defaults() const {
  return {impl_->services.begin(), impl_->services.end()};
}

bool Config::is_builtin(std::string_view name) { return conf::is_builtin(name); }

bool Config::is_known(std::string_view name) const {
  return conf::is_builtin(name) || impl_->services.contains(name);
}

std::optional<std::string> Config::default_value(std::string_view name) const {
  if (conf::is_builtin(name)) {
    DefaultContext context;
    if (impl_->computing_default < kMaxDefaultRecursion) {
      context.explicit_value = [this](std::string_view n) -> std::optional<std::string> {
        if (auto it = impl_->overrides.find(n); it != impl_->overrides.end()) return it->second;
        if (auto it = impl_->main_cf.find(n); it != impl_->main_cf.end()) return it->second.value;
        return std::nullopt;
      };
      context.expanded = [this](std::string_view n) {
        ++impl_->computing_default;
        auto value = expand(n);
        --impl_->computing_default;
        return value ? *value : std::string();
      };
    }
    return builtin_default(name, context);
  }
  if (auto it = impl_->services.find(name); it != impl_->services.end()) return it->second;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Config::defaults() const {
  std::map<std::string, std::string> all;
  for (const BuiltinParameter& row : builtin_parameter_rows())
    all.emplace(std::string(row.name), *default_value(row.name));
  for (const auto& [name, value] : impl_->services) all.emplace(name, value);
  return {all.begin(), all.end()};
}

std::vector<std::pair<std::string, std::string>> Config::effective_parameters() const {
  std::map<std::string, std::string> all;
  for (const BuiltinParameter& row : builtin_parameter_rows())
    all.emplace(std::string(row.name), *raw(row.name));
  for (const auto& entry : impl_->services) all.emplace(entry.first, *raw(entry.first));
  for (const auto& entry : impl_->main_cf) all.emplace(entry.first, *raw(entry.first));
  for (const auto& entry : impl_->overrides) all.emplace(entry.first, *raw(entry.first));
  return {all.begin(), all.end()};
}

std::optional<std::string> Config::raw(std::string_view name) const {
  if (auto it = impl_->overrides.find(name); it != impl_->overrides.end()) return it->second;
  // process_name and friends belong to the running program, not to main.cf.
  if (auto it = impl_->main_cf.find(name);
      it != impl_->main_cf.end() && !is_read_only_parameter(name))
    return it->second.value;
  // -c DIR (or MAIL_CONFIG) is the configuration directory in effect.
  if (name == "config_directory") return impl_->config_dir;
  return default_value(name);
}

std::optional<std::string> Config::location(std::string_view name) const {
  if (impl_->overrides.contains(name)) return std::nullopt;
  auto it = impl_->main_cf.find(name);
  if (it == impl_->main_cf.end()) return std::nullopt;
  return main_cf_path() + ", line " + std::to_string(it->second.line);
}

util::Result<std::string> Config::expand_text(std::string_view text) const {
  ExpandContext context;
  context.lookup = [this](std::string_view n) { return raw(n); };
  if (impl_->warn_undefined) {
    std::string path = main_cf_path();
    context.on_undefined = [path](std::string_view n) {
      util::msg_warn(path + ": undefined parameter: " + std::string(n));
    };
  }
  return expand_macros(text, context);
}

util::Result<std::string> Config::expand(std::string_view name) const {
  std::optional<std::string> value = raw(name);
  if (!value) return util::fail(std::string(name) + ": unknown parameter");
  if (is_raw_parameter(name)) return *value;
  return expand_text(*value);
}

util::Result<std::string> Config::try_get(std::string_view name) const { return expand(name); }

namespace {
std::string prefix_for(const std::optional<std::string>& where) {
  return where ? *where + ": " : std::string();
}
}  // namespace

util::Result<bool> Config::try_get_bool(std::string_view name) const {
  auto value = expand(name);
  if (!value) return std::unexpected(value.error());
  if (util::iequals(*value, "yes")) return true;
  if (util::iequals(*value, "no")) return false;
  return util::fail(prefix_for(location(name)) + "bad boolean configuration: " +
                    std::string(name) + " = " + *value);
}

util::Result<long> Config::try_get_int(std::string_view name) const {
  auto value = expand(name);
  if (!value) return std::unexpected(value.error());
  long long n = 0;
  if (!parse_decimal(*value, n) || n < INT_MIN || n > INT_MAX)
    return util::fail(prefix_for(location(name)) + "bad numerical configuration: " +
                      std::string(name) + " = " + *value);
  return static_cast<long>(n);
}

util::Result<long> Config::try_get_time(std::string_view name) const {
  auto value = expand(name);
  if (!value) return std::unexpected(value.error());
  std::string_view v = *value;
  char unit = default_time_unit(name);
  if (!v.empty() && !std::isdigit(static_cast<unsigned char>(v.back()))) {
    unit = v.back();
    v.remove_suffix(1);
  }
  long multiplier = unit == 's'   ? 1
                    : unit == 'm' ? 60
                    : unit == 'h' ? 3600
                    : unit == 'd' ? 86400
                    : unit == 'w' ? 604800
                                  : 0;
  long long n = 0;
  if (multiplier == 0 || !all_digits(v) || !parse_decimal(v, n) || n > LONG_MAX / multiplier)
    return util::fail(prefix_for(location(name)) + "parameter " + std::string(name) +
                      ": bad time value or unit: " + *value);
  return static_cast<long>(n) * multiplier;
}

util::Result<long long> Config::try_get_size(std::string_view name) const {
  auto value = expand(name);
  if (!value) return std::unexpected(value.error());
  long long n = 0;
  if (!parse_decimal(*value, n))
    return util::fail(prefix_for(location(name)) + "bad numerical configuration: " +
                      std::string(name) + " = " + *value);
  return n;
}

std::vector<std::string> Config::split_list(std::string_view value) {
  std::vector<std::string> out;
  size_t i = 0;
  auto is_sep = [](char c) { return c == ',' || is_space(c); };
  while (i < value.size()) {
    while (i < value.size() && is_sep(value[i])) ++i;
    if (i >= value.size()) break;
    size_t start = i;
    int level = 0;
    // Separators inside {...} belong to the element ("inline:{a=1, b=2}").
    while (i < value.size() && (level > 0 || !is_sep(value[i]))) {
      if (value[i] == '{') ++level;
      if (value[i] == '}' && level > 0) --level;
      ++i;
    }
    std::string_view element = value.substr(start, i - start);
    if (element.size() >= 2 && element.front() == '{' && element.back() == '}')
      element = util::trim(element.substr(1, element.size() - 2));
    out.emplace_back(element);
  }
  return out;
}

util::Result<std::vector<std::string>> Config::try_get_list(std::string_view name) const {
  auto value = expand(name);
  if (!value) return std::unexpected(value.error());
  return split_list(*value);
}

std::string Config::get(std::string_view name) const {
  auto r = try_get(name);
  if (!r) fatal_for(r.error());
  return *r;
}
bool Config::get_bool(std::string_view name) const {
  auto r = try_get_bool(name);
  if (!r) fatal_for(r.error());
  return *r;
}
long Config::get_int(std::string_view name) const {
  auto r = try_get_int(name);
  if (!r) fatal_for(r.error());
  return *r;
}
long Config::get_time(std::string_view name) const {
  auto r = try_get_time(name);
  if (!r) fatal_for(r.error());
  return *r;
}
long long Config::get_size(std::string_view name) const {
  auto r = try_get_size(name);
  if (!r) fatal_for(r.error());
  return *r;
}
std::vector<std::string> Config::get_list(std::string_view name) const {
  auto r = try_get_list(name);
  if (!r) fatal_for(r.error());
  return *r;
}

std::vector<std::pair<std::string, std::string>> Config::main_cf_parameters() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : impl_->main_cf) out.emplace_back(name, entry.value);
  return out;
}

std::vector<Config::Definition> Config::main_cf_definitions() const {
  std::vector<Definition> out;
  for (const auto& [name, entry] : impl_->main_cf) out.push_back({name, entry.value, entry.line});
  return out;
}

}  // namespace conf
