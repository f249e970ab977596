#include "libmail/command_settings.h"

#include <cstdlib>

#include "libutil/log.h"

namespace mail {

std::vector<std::string> exported_environment(const conf::Config& config) {
  std::vector<std::string> env;
  for (const std::string& name : config.get_list("export_environment")) {
    if (name.find('=') != std::string::npos) {
      env.push_back(name);
    } else if (const char* v = std::getenv(name.c_str())) {
      env.push_back(name + "=" + v);
    }
  }
  return env;
}

std::chrono::seconds service_time_limit(const conf::Config& config, std::string_view service) {
  std::string name = std::string(service) + "_time_limit";
  if (!config.raw(name)) return std::chrono::seconds(config.get_time("command_time_limit"));
  auto t = config.try_get_time(name);
  if (!t) util::msg_fatal(t.error().message);
  return std::chrono::seconds(*t);
}

}  // namespace mail
