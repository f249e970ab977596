#include "master/master_config.h"

#include <cstdlib>

#include "libconf/master_cf.h"
#include "libutil/log.h"

namespace master {
namespace {

util::Result<ServiceSpec> make_spec(const conf::MasterEntry& entry, const MasterSettings& settings) {
  ServiceSpec spec;
  spec.name = entry.service;
  spec.type = entry.type;
  spec.key = entry.service + "/" + entry.type;
  auto yes = [](const std::string& v, bool dflt) { return v == "-" ? dflt : (v == "y" || v == "yes"); };
  spec.private_ = yes(entry.private_, true);
  spec.unprivileged = yes(entry.unprivileged, true);
  spec.chroot = yes(entry.chroot, false);
  if (entry.wakeup != "-") {
    std::string w = entry.wakeup;
    if (!w.empty() && w.back() == '?') {
      spec.wakeup_if_used = true;
      w.pop_back();
    }
    spec.wakeup = std::atoi(w.c_str());
  }
  if (entry.process_limit == "-") {
    auto limit = settings.config.try_get_int("default_process_limit");
    if (!limit) return std::unexpected(limit.error());
    spec.process_limit = static_cast<int>(*limit);
  } else {
    spec.process_limit = std::atoi(entry.process_limit.c_str());
  }

  if (spec.type == "inet") {
    spec.endpoint = spec.name;
    if (spec.name.find(':') == std::string::npos) {
      // A bare port binds on inet_interfaces; "all" is the any-address.
      auto ifaces = settings.config.try_get_list("inet_interfaces");
      if (ifaces && !ifaces->empty() && (*ifaces)[0] != "all") {
        std::string host = (*ifaces)[0] == "loopback-only" ? "127.0.0.1" : (*ifaces)[0];
        if (ifaces->size() > 1)
          util::msg_warn("service " + spec.name + ": only the first of inet_interfaces (" +
                         host + ") is used");
        spec.endpoint = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                        spec.name;
      }
    }
  } else {
    spec.endpoint = (spec.private_ ? "private/" : "public/") + spec.name;
  }

  spec.path = entry.command.find('/') != std::string::npos
                  ? entry.command
                  : settings.daemon_directory + "/" + entry.command;
  spec.argv.push_back(spec.path);
  if (spec.process_limit == 1) spec.argv.push_back("-l");
  if (spec.process_limit == 0) spec.argv.push_back("-z");
  std::string base = entry.command.substr(entry.command.rfind('/') + 1);
  if (spec.name != base) {
    spec.argv.push_back("-n");
    spec.argv.push_back(spec.name);
  }
  spec.argv.push_back("-t");
  spec.argv.push_back(spec.type);
  if (spec.unprivileged) spec.argv.push_back("-u");
  if (spec.chroot) spec.argv.push_back("-c");
  // Column 8 as written, minus the program; braces only protect whitespace.
  for (size_t i = 1; i < entry.words.size(); ++i) {
    std::string w = entry.words[i];
    if (w.size() >= 2 && w.front() == '{' && w.back() == '}') w = w.substr(1, w.size() - 2);
    spec.argv.push_back(w);
  }
  return spec;
}

std::vector<std::string> child_environment(const conf::Config& config, const std::string& config_dir) {
  std::vector<std::string> env;
  auto imports = config.try_get_list("import_environment");
  if (imports) {
    for (const auto& item : *imports) {
      if (item.find('=') != std::string::npos) {
        env.push_back(item);
      } else if (item != "MAIL_CONFIG") {
        if (const char* v = std::getenv(item.c_str())) env.push_back(item + "=" + v);
      }
    }
  }
  env.push_back("MAIL_CONFIG=" + config_dir);
  return env;
}

}  // namespace

util::Result<MasterSettings> load_master_settings(const std::string& config_dir) {
  conf::LoadOptions load;
  load.config_dir = config_dir;
  auto config = conf::Config::load(load);
  if (!config) return std::unexpected(config.error());
  MasterSettings s;
  s.config = std::move(*config);
  s.config_directory = s.config.config_directory();
  for (auto [field, name] : {std::pair{&s.queue_directory, "queue_directory"},
                             {&s.data_directory, "data_directory"},
                             {&s.daemon_directory, "daemon_directory"},
                             {&s.mail_owner, "mail_owner"},
                             {&s.mail_version, "mail_version"}}) {
    auto v = s.config.try_get(name);
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  auto throttle = s.config.try_get_time("service_throttle_time");
  if (!throttle) return std::unexpected(throttle.error());
  s.service_throttle_time = static_cast<int>(*throttle);
  s.environment = child_environment(s.config, s.config_directory);

  auto cf = conf::read_master_cf(s.config_directory + "/master.cf");
  if (!cf) return std::unexpected(cf.error());
  auto disabled = s.config.try_get_list("master_service_disable");
  for (const auto& entry : cf->entries) {
    if (disabled) {
      bool off = false;
      for (const auto& d : *disabled) off = off || d == entry.service + "/" + entry.type || d == entry.type;
      if (off) continue;
    }
    s.config.declare_service(entry.service, entry.command);
    auto spec = make_spec(entry, s);
    if (!spec) return std::unexpected(spec.error());
    s.services.push_back(std::move(*spec));
  }
  return s;
}

}  // namespace master
