// unix:passwd.byname and unix:group.byname: the system's user and group
// databases (through NSS), answering with the classic colon-separated line
// "root:x:0:0:root:/root:/bin/bash" / "mail:x:8:member1,member2".
// Easy to get wrong: the *_r functions need a buffer that may have to grow
// (ERANGE), and "no such user" is not found, not an error.
#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "libutil/dict_types.h"
#include "libutil/strings.h"

namespace util {
namespace {

enum class UnixMap { kPasswd, kGroup };

constexpr size_t kMaxBuffer = 1 << 20;

class UnixDict : public Dict {
 public:
  UnixDict(std::string name, UnixMap map, bool fold_case)
      : Dict("unix", std::move(name)), map_(map), fold_case_(fold_case) {}

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string k = fold_case_ ? lowercase(key) : std::string(key);
    return map_ == UnixMap::kPasswd ? passwd(k) : group(k);
  }

 private:
  Result<std::optional<std::string>> passwd(const std::string& k) {
    std::vector<char> buf(1024);
    for (;;) {
      struct passwd pw {};
      struct passwd* found = nullptr;
      int err = getpwnam_r(k.c_str(), &pw, buf.data(), buf.size(), &found);
      if (err == ERANGE && buf.size() < kMaxBuffer) {
        buf.resize(buf.size() * 2);
        continue;
      }
      if (err != 0 && err != ENOENT && err != ESRCH) return op_error("query", std::strerror(err));
      if (found == nullptr) return std::nullopt;
      return std::string(pw.pw_name) + ":" + pw.pw_passwd + ":" + std::to_string(pw.pw_uid) +
             ":" + std::to_string(pw.pw_gid) + ":" + pw.pw_gecos + ":" + pw.pw_dir + ":" +
             pw.pw_shell;
    }
  }

  Result<std::optional<std::string>> group(const std::string& k) {
    std::vector<char> buf(1024);
    for (;;) {
      struct group gr {};
      struct group* found = nullptr;
      int err = getgrnam_r(k.c_str(), &gr, buf.data(), buf.size(), &found);
      if (err == ERANGE && buf.size() < kMaxBuffer) {
        buf.resize(buf.size() * 2);
        continue;
      }
      if (err != 0 && err != ENOENT && err != ESRCH) return op_error("query", std::strerror(err));
      if (found == nullptr) return std::nullopt;
      std::string out = std::string(gr.gr_name) + ":" + gr.gr_passwd + ":" +
                        std::to_string(gr.gr_gid) + ":";
      for (char** m = gr.gr_mem; m != nullptr && *m != nullptr; ++m) {
        if (m != gr.gr_mem) out += ",";
        out += *m;
      }
      return out;
    }
  }

  UnixMap map_;
  bool fold_case_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_unix_dict(std::string_view name,
                                             const DictOpenOptions& options) {
  UnixMap map;
  if (name == "passwd.byname") {
    map = UnixMap::kPasswd;
  } else if (name == "group.byname") {
    map = UnixMap::kGroup;
  } else {
    return fail("unknown table: unix:" + std::string(name));
  }
  return std::make_unique<UnixDict>(std::string(name), map, options.fold_case);
}

}  // namespace util
