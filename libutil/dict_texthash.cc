// texthash:FILE: a postmap source file read into memory at open time, no
// .db file. Its warnings differ from postmap's on purpose (Postfix's own
// wording): bad lines end in " -- ignoring this line" and duplicates name
// the source line.
#include <cstdio>
#include <memory>

#include "libutil/dict_memory.h"
#include "libutil/dict_source.h"
#include "libutil/dict_types.h"
#include "libutil/log.h"

namespace util {

Result<std::unique_ptr<Dict>> open_texthash_dict(std::string_view name,
                                                 const DictOpenOptions& options) {
  const std::string path(name);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!fp) return fail_errno("open database " + path);
  auto dict = std::make_unique<MemoryDict>("texthash", path, options.fold_case,
                                           options.utf8);
  DictSourceOptions source_options;
  source_options.bad_line_suffix = " -- ignoring this line";
  source_options.utf8 = options.utf8;
  auto read = read_postmap_source(
      fp.get(), path,
      [&](std::string_view key, std::string_view value, int line) {
        if (dict->contains(key)) {
          if (options.duplicates == DictDuplicates::kWarn) {
            msg_warn(path + ", line " + std::to_string(line) + ": duplicate entry: \"" +
                     std::string(key) + "\"");
          }
          if (options.duplicates != DictDuplicates::kReplace) return;
        }
        dict->put(key, value);
      },
      source_options);
  if (!read) return std::unexpected(read.error());
  return std::unique_ptr<Dict>(std::move(dict));
}

}  // namespace util
