// postconf parameter views: default listing, -d, -n, named parameters.
#include "tools/postconf/parameter_views.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "libconf/config.h"
#include "libconf/expand.h"
#include "libutil/error.h"
#include "libutil/log.h"
#include "tools/postconf/folding.h"
#include "tools/postconf/references.h"

namespace postconf {
namespace {

// Parameters whose values are templates expanded later by the daemon that
// uses them (with names such as $rbl_code or $home that exist only there):
// Postfix never expands them in postconf -x, nor checks their references.
bool is_raw_parameter(std::string_view name) {
  static const std::set<std::string_view> kRaw = {
      "default_rbl_reply",   "forward_path",           "luser_relay",
      "mailbox_command",     "postscreen_expansion_filter", "postscreen_reject_footer",
      "smtpd_expansion_filter", "smtpd_reject_footer"};
  return kRaw.count(name) > 0;
}

// Everything a parameter view needs: main.cf (with -o overrides), master.cf
// services, and which user-defined names something refers to.
struct Loaded {
  conf::Config config;
  std::optional<conf::MasterCf> master;
  std::set<std::string> referenced;
  std::string master_path;
};

std::string master_cf_path(const conf::Config& config) {
  return config.config_directory() + "/master.cf";
}

conf::Config load_config(const Options& o) {
  conf::LoadOptions lo;
  if (o.explicit_config_dir) lo.config_dir = o.config_dir;
  lo.warn = !o.d;  // -d does not read main.cf, so it has nothing to say about it
  // -d and the master.cf views do not need main.cf.
  lo.require_main_cf = !o.d && !o.M && !o.F && !o.P;
  auto config = conf::Config::load(lo);
  if (!config) util::msg_fatal(config.error().message);
  for (const auto& arg : o.overrides) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos)
      util::msg_fatal("invalid parameter override: " + arg + ": missing '=' after attribute name");
    if (eq == 0) util::msg_fatal("invalid parameter override: " + arg + ": missing attribute name");
    config->set_override(arg.substr(0, eq), arg.substr(eq + 1));
  }
  return std::move(*config);
}

Loaded load_all(const Options& o, const conf::MasterCf* preloaded = nullptr) {
  Loaded l{load_config(o), std::nullopt, {}, {}};
  l.master_path = master_cf_path(l.config);
  auto master = preloaded ? util::Result<conf::MasterCf>(*preloaded)
                          : conf::read_master_cf(l.master_path);
  if (master) {
    l.master = std::move(*master);
    for (const auto& e : l.master->entries) l.config.declare_service(e.service, e.command);
  } else if (master.error().sys_errno != 0) {
    util::msg_warn(master.error().message);
  } else {
    util::msg_fatal(master.error().message);
  }
  for (const auto& def : l.config.main_cf_definitions())
    for (auto& n : referenced_names(def.value)) l.referenced.insert(std::move(n));
  for (const auto& arg : o.overrides)
    for (auto& n : referenced_names(arg.substr(arg.find('=') + 1))) l.referenced.insert(std::move(n));
  if (l.master) {
    for (const auto& e : l.master->entries)
      for (const auto& [name, value] : e.options)
        for (auto& n : referenced_names(value)) l.referenced.insert(std::move(n));
  }
  return l;
}

// A main.cf name that is not a Postfix parameter and that nothing refers to:
// postconf treats it as unknown.
bool is_hidden(const Loaded& l, const std::string& name) {
  return !l.config.is_known(name) && !l.referenced.count(name);
}

bool is_defined(const Loaded& l, const std::string& name) {
  return l.config.is_known(name) || l.config.raw(name).has_value();
}

// The check Postfix makes of every main.cf value on reading it: syntax
// errors and references to names defined nowhere are warnings.
void check_main_cf_references(const Loaded& l) {
  const std::string path = l.config.main_cf_path();
  for (const auto& def : l.config.main_cf_definitions()) {
    if (is_raw_parameter(def.name)) continue;
    conf::ExpandContext context;
    context.lookup = [](std::string_view) -> std::optional<std::string> { return "x"; };
    auto checked = conf::expand_macros(def.value, context);
    if (!checked) {
      util::msg_warn(checked.error().message);
      continue;
    }
    for (const auto& n : referenced_names(def.value))
      if (!is_defined(l, n)) util::msg_warn(path + ": undefined parameter: " + n);
  }
}

// -o overrides count as main.cf settings here, with the overriding value.
std::map<std::string, std::string> user_settings(const Loaded& l, const Options& o) {
  std::map<std::string, std::string> settings;
  for (const auto& def : l.config.main_cf_definitions()) settings[def.name] = def.value;
  for (const auto& arg : o.overrides) {
    std::string name = arg.substr(0, arg.find('='));
    settings[name] = l.config.raw(name).value_or("");
  }
  return settings;
}

void warn_unused(const Loaded& l, const Options& o, bool main_cf) {
  const std::string path = l.config.main_cf_path();
  if (main_cf) {
    for (const auto& [name, value] : user_settings(l, o))
      if (is_hidden(l, name)) util::msg_warn(path + ": unused parameter: " + name + "=" + value);
  }
  if (!l.master) return;
  for (const auto& e : l.master->entries) {
    // A later -o of the same name replaces the earlier one.
    std::map<std::string, std::string> options(e.options.begin(), e.options.end());
    for (const auto& [name, value] : e.options) options[name] = value;
    for (const auto& [name, value] : options) {
      if (l.config.is_known(name) || l.referenced.count(name) || l.config.raw(name)) continue;
      util::msg_warn(l.master_path + ": unused parameter: " + name + "=" + value);
    }
  }
}

void print(const Options& o, const std::string& name, const std::string& value) {
  std::string line;
  if (o.H) {
    line = name;
  } else {
    std::string v = collapse_whitespace(value);
    if (o.h)
      line = v;
    else
      line = v.empty() ? name + " =" : name + " = " + v;
    if (o.f) line = fold_line(line);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

std::string expanded(const conf::Config& config, const std::string& value) {
  auto r = config.expand_text(value);
  if (!r) {
    util::msg_warn(r.error().message);
    util::msg_fatal(std::string(conf::kMacroProcessingError));
  }
  return *r;
}

void show(const Options& o, const conf::Config& config, const std::string& name,
          const std::string& raw) {
  print(o, name, o.x && !is_raw_parameter(name) ? expanded(config, raw) : raw);
}

}  // namespace

void require_main_cf(const std::string& dir) {
  const std::string path = dir + "/main.cf";
  if (::access(path.c_str(), F_OK) != 0)
    util::msg_fatal(util::fail_errno("open " + path, errno).error().message);
}

int show_parameters(const Options& o, const std::string&) {
  Loaded l = load_all(o);
  // -d does not look at main.cf, so it has nothing to say about it.
  if (!o.d) check_main_cf_references(l);

  // -d shows the built-in defaults, as if main.cf were empty.
  conf::Config defaults;
  if (o.d) {
    if (l.master)
      for (const auto& e : l.master->entries) defaults.declare_service(e.service, e.command);
  }

  if (!o.args.empty()) {
    std::map<std::string, std::string> main_cf;
    for (const auto& def : l.config.main_cf_definitions()) main_cf[def.name] = def.value;
    for (const auto& name : o.args) {
      if (o.d) {
        auto v = defaults.default_value(name);
        if (!v) {
          util::msg_warn(name + ": unknown parameter");
          continue;
        }
        show(o, defaults, name, *v);
        continue;
      }
      auto v = l.config.raw(name);
      if (!v || (!l.config.is_known(name) && is_hidden(l, name))) {
        util::msg_warn(name + ": unknown parameter");
        continue;
      }
      if (o.n) {
        bool shown = main_cf.count(name) ||
                     (name == "config_directory" && l.config.config_directory_explicit());
        if (!shown) continue;
      }
      show(o, l.config, name, *v);
    }
  } else if (o.d) {
    for (const auto& [name, value] : defaults.defaults()) show(o, defaults, name, value);
  } else if (o.n) {
    std::map<std::string, std::string> shown;
    for (const auto& def : l.config.main_cf_definitions())
      if (!is_hidden(l, def.name)) shown[def.name] = def.value;
    if (l.config.config_directory_explicit())
      shown["config_directory"] = l.config.config_directory();
    for (const auto& [name, value] : shown) show(o, l.config, name, value);
  } else {
    for (const auto& [name, value] : l.config.effective_parameters())
      if (l.config.is_known(name) || !is_hidden(l, name)) show(o, l.config, name, value);
  }
  std::fflush(stdout);
  if (!o.d) warn_unused(l, o, true);
  return 0;
}

void check_master_view_references(const Options& o, const conf::MasterCf& cf) {
  check_main_cf_references(load_all(o, &cf));
}

void warn_unused_master_parameters(const Options& o, const conf::MasterCf& cf) {
  warn_unused(load_all(o, &cf), o, false);
}

void expand_master_options(const Options& o, conf::MasterCf& cf) {
  Loaded l = load_all(o, &cf);
  for (auto& e : cf.entries) {
    conf::Config config = l.config;
    config.set_override("service_name", e.service);
    for (size_t i = 1; i + 1 < e.options_end; ++i) {
      if (e.words[i] != "-o") continue;
      std::string word = e.words[++i];
      bool braced = word.size() >= 2 && word.front() == '{' && word.back() == '}';
      if (braced) word = word.substr(1, word.size() - 2);
      size_t eq = word.find('=');
      if (eq == std::string::npos) continue;
      std::string value = expanded(config, word.substr(eq + 1));
      word = word.substr(0, eq + 1) + value;
      if (word.find_first_of(" \t") != std::string::npos) word = "{" + word + "}";
      e.words[i] = word;
    }
    conf::derive_master_options(e);
  }
}

}  // namespace postconf
