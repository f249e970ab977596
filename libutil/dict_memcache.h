// memcache: table settings, read from the table's main.cf-style file
// (memcache_table(5)). Users: dict_memcache.cc and its tests, which build
// settings directly to use millisecond timeouts.
// Easy to get wrong: the file's numbers are whole seconds and at least 1
// where Postfix requires it (max_try, retry_pause, timeout).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/dict_client.h"

namespace util {

struct MemcacheSettings {
  DictEndpoint endpoint;           // memcache = inet:localhost:11211
  std::string backup;              // type:table, "" = none
  std::string key_format = "%s";
  std::vector<std::string> domains;  // names or type:table; empty = any key
  long flags = 0;
  long ttl = 3600;
  size_t data_size_limit = 10240;
  size_t line_size_limit = 1024;
  int max_try = 2;
  std::chrono::milliseconds retry_pause{1000};
  std::chrono::milliseconds timeout{2000};
};

// Parse the file; "open FILE: No such file or directory" when missing.
Result<MemcacheSettings> read_memcache_settings(const std::string& path);

// The table with these settings; `name` is only its name.
Result<std::unique_ptr<Dict>> open_memcache_dict_with(std::string_view name,
                                                      const DictOpenOptions& options,
                                                      MemcacheSettings settings);

}  // namespace util
