#include "libutil/dir_walk.h"

#include <dirent.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace util {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

Result<std::vector<std::string>> read_names(const std::string& dir, bool sorted) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (!d) return fail_errno("open directory " + dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  if (sorted) std::sort(names.begin(), names.end());
  return names;
}

void walk(const std::string& dir, const DirWalkOptions& options, int depth_left,
          const std::vector<std::string>& names, const std::function<void(const DirEntry&)>& visit,
          const std::function<void(const std::string&)>& dir_done) {
  for (const auto& name : names) {
    DirEntry entry{dir + "/" + name, name, {}};
    if (::lstat(entry.path.c_str(), &entry.st) != 0) continue;
    if (!S_ISDIR(entry.st.st_mode)) {
      visit(entry);
      continue;
    }
    if (depth_left <= 0 || (options.single_char_dirs && name.size() != 1)) continue;
    auto sub = read_names(entry.path, options.sorted);
    if (!sub) continue;
    walk(entry.path, options, depth_left - 1, *sub, visit, dir_done);
    if (dir_done) dir_done(entry.path);
  }
}

}  // namespace

Result<void> walk_dir(const std::string& dir, const DirWalkOptions& options,
                      const std::function<void(const DirEntry&)>& visit,
                      const std::function<void(const std::string&)>& dir_done) {
  auto names = read_names(dir, options.sorted);
  if (!names) return std::unexpected(names.error());
  walk(dir, options, options.max_depth, *names, visit, dir_done);
  return {};
}

}  // namespace util
