// main.cf reader: physical lines -> logical lines -> name/value definitions.
#include "libconf/main_cf.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <map>

#include "libutil/fd.h"
#include "libutil/log.h"

namespace conf {
namespace {

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view rstrip(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

struct LogicalLine {
  std::string text;
  int line = 0;
};

// Blank lines and lines whose first non-blank character is '#' are skipped
// wherever they appear, so they never end a logical line.
std::vector<LogicalLine> logical_lines(std::string_view text, const std::string& path, bool warn) {
  std::vector<LogicalLine> out;
  int lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view phys =
        nl == std::string_view::npos ? text.substr(pos) : text.substr(pos, nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    std::string_view body = phys;
    while (!body.empty() && is_blank(body.front())) body.remove_prefix(1);
    if (body.empty() || body.front() == '#') continue;
    if (is_blank(phys.front())) {
      if (out.empty()) {
        if (warn)
          util::msg_warn(path + ": logical line must not start with whitespace: \"" +
                         std::string(rstrip(phys)) + "\"");
        continue;
      }
      out.back().text += phys;
      continue;
    }
    out.push_back(LogicalLine{std::string(phys), lineno});
  }
  for (LogicalLine& l : out) l.text = std::string(rstrip(l.text));
  return out;
}

}  // namespace

util::Result<std::vector<MainCfDefinition>> parse_main_cf(std::string_view text,
                                                          const std::string& path, bool warn) {
  std::vector<MainCfDefinition> defs;
  std::map<std::string, size_t, std::less<>> seen;  // name -> index of the last definition
  for (const LogicalLine& l : logical_lines(text, path, warn)) {
    std::string_view s = l.text;
    size_t i = 0;
    while (i < s.size() && !is_blank(s[i]) && s[i] != '=') ++i;
    std::string_view name = s.substr(0, i);
    while (i < s.size() && is_blank(s[i])) ++i;
    std::string where = path + ", line " + std::to_string(l.line) + ": ";
    if (name.empty()) return util::fail(where + "missing attribute name: \"" + l.text + "\"");
    if (i >= s.size() || s[i] != '=')
      return util::fail(where + "missing '=' after attribute name: \"" + l.text + "\"");
    ++i;
    while (i < s.size() && is_blank(s[i])) ++i;
    MainCfDefinition def{std::string(name), std::string(s.substr(i)), l.line};
    auto it = seen.find(def.name);
    if (it != seen.end()) {
      if (warn)
        util::msg_warn(where + "overriding earlier entry: " + def.name + "=" +
                       defs[it->second].value);
      it->second = defs.size();
    } else {
      seen.emplace(def.name, defs.size());
    }
    defs.push_back(std::move(def));
  }
  return defs;
}

util::Result<std::vector<MainCfDefinition>> read_main_cf(const std::string& path, bool warn) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return util::fail_errno("open " + path, err);
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      return util::fail_errno("read " + path, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return parse_main_cf(text, path, warn);
}

}  // namespace conf
