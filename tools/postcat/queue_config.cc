#include "tools/postcat/queue_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>

#include "build_paths.h"
#include "libmail/queue_id.h"
#include "libutil/strings.h"

namespace postcat {
namespace {

// Expand $name and ${name} from the same file, one level deep is enough for
// the values these parameters take in practice.
std::string expand(const std::string& value, const std::map<std::string, std::string>& params) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$' || i + 1 >= value.size()) {
      out += value[i];
      continue;
    }
    std::string name;
    std::size_t j = i + 1;
    if (value[j] == '{' || value[j] == '(') {
      char close = value[j] == '{' ? '}' : ')';
      auto end = value.find(close, j);
      if (end == std::string::npos) {
        out += value[i];
        continue;
      }
      name = value.substr(j + 1, end - j - 1);
      i = end;
    } else {
      while (j < value.size() && (std::isalnum(static_cast<unsigned char>(value[j])) || value[j] == '_'))
        name += value[j++];
      i = j - 1;
    }
    auto it = params.find(name);
    if (it != params.end()) out += it->second;
  }
  return out;
}

}  // namespace

util::Result<QueueConfig> load_queue_config(const std::string& config_dir) {
  std::string path = config_dir + "/main.cf";
  std::ifstream in(path);
  if (!in) return util::fail_errno("open " + path);
  std::map<std::string, std::string> params;
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto trimmed = util::trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {
      params[last] += " " + std::string(trimmed);
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    last = std::string(util::trim(std::string_view(line).substr(0, eq)));
    params[last] = std::string(util::trim(std::string_view(line).substr(eq + 1)));
  }
  QueueConfig config;
  config.queue_directory = build::kQueueDirectory;
  config.hash_queue_names = mail::default_hash_queue_names();
  config.hash_queue_depth = mail::kDefaultHashQueueDepth;
  if (auto it = params.find("queue_directory"); it != params.end())
    config.queue_directory = expand(it->second, params);
  if (auto it = params.find("hash_queue_depth"); it != params.end())
    config.hash_queue_depth = std::atoi(expand(it->second, params).c_str());
  if (auto it = params.find("hash_queue_names"); it != params.end())
    config.hash_queue_names = util::split(expand(it->second, params), ", \t\r\n");
  return config;
}

}  // namespace postcat
