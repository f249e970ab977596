// The three main.cf parameters postcat needs for -q: queue_directory,
// hash_queue_depth and hash_queue_names, read through conf::Config.
// Easy to get wrong: main.cf must exist (postcat fails without it, even for
// plain files, as Postfix does).
#pragma once

#include <string>
#include <vector>

#include "libutil/error.h"

namespace postcat {

struct QueueConfig {
  std::string queue_directory;
  int hash_queue_depth = 1;
  std::vector<std::string> hash_queue_names;
};

// Reads CONFIG_DIR/main.cf; errors as "open DIR/main.cf: No such file or directory".
util::Result<QueueConfig> load_queue_config(const std::string& config_dir);

}  // namespace postcat
