#include "tools/postcat/queue_config.h"

#include "libconf/config.h"

namespace postcat {

util::Result<QueueConfig> load_queue_config(const std::string& config_dir) {
  conf::LoadOptions options;
  options.config_dir = config_dir;
  options.require_main_cf = true;
  auto config = conf::Config::load(options);
  if (!config) return std::unexpected(config.error());
  QueueConfig out;
  auto dir = config->try_get("queue_directory");
  if (!dir) return std::unexpected(dir.error());
  out.queue_directory = *dir;
  auto depth = config->try_get_int("hash_queue_depth");
  if (!depth) return std::unexpected(depth.error());
  out.hash_queue_depth = static_cast<int>(*depth);
  auto names = config->try_get_list("hash_queue_names");
  if (!names) return std::unexpected(names.error());
  out.hash_queue_names = *names;
  return out;
}

}  // namespace postcat
