// See config_dir_check.h.
#include "libmail/config_dir_check.h"

#include <unistd.h>

#include <cstdlib>

#include "libconf/config.h"
#include "libutil/log.h"

namespace mail {

void check_config_dir(const std::string& dir) {
  if (::getuid() == 0) return;
  std::string saved = std::getenv("MAIL_CONFIG") ? std::getenv("MAIL_CONFIG") : "";
  ::unsetenv("MAIL_CONFIG");
  const std::string default_dir = conf::Config::default_config_dir();
  if (!saved.empty()) ::setenv("MAIL_CONFIG", saved.c_str(), 1);
  if (dir == default_dir) return;
  conf::LoadOptions lo;
  lo.config_dir = default_dir;
  lo.warn = false;
  lo.require_main_cf = false;
  if (auto config = conf::Config::load(lo)) {
    for (const char* name : {"alternate_config_directories", "multi_instance_directories"}) {
      auto list = config->try_get_list(name);
      if (!list) continue;
      for (const auto& d : *list)
        if (d == dir) return;
    }
  }
  util::msg_error("unauthorized configuration directory name: " + dir);
  util::msg_fatal("specify \"alternate_config_directories = " + dir +
                  "\" or \"multi_instance_directories = " + dir + "\" in " + default_dir +
                  "/main.cf");
}

}  // namespace mail
