#include "libutil/dict_source.h"

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "libutil/log.h"
#include "libutil/utf8_fold.h"

namespace util {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool all_blank(std::string_view s) {
  for (char c : s)
    if (!is_blank(c)) return false;
  return true;
}

// getline()'s buffer, grown by getline and freed once at the end.
struct LineBuffer {
  char* data = nullptr;
  size_t capacity = 0;
  LineBuffer() = default;
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { std::free(data); }
};

class LogicalLine {
 public:
  LogicalLine(const std::string& name, const DictSourceFn& fn, const DictSourceOptions& options)
      : name_(name), fn_(fn), options_(options) {}

  bool active() const { return active_; }

  void start(std::string_view text, int line, bool leading_blank, bool too_long) {
    flush();
    active_ = true;
    text_.assign(text);
    line_ = line;
    leading_blank_ = leading_blank;
    too_long_ = too_long;
  }
  void append(std::string_view text, bool too_long) {
    text_.append(text);
    too_long_ = too_long_ || too_long;
  }

  void flush() {
    if (!active_) return;
    active_ = false;
    std::string_view s(text_);
    if (size_t nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    const std::string where = name_ + ", line " + std::to_string(line_);
    if (too_long_) {
      msg_warn(where + ": line too long -- ignoring this line");
      return;
    }
    if (leading_blank_) {
      msg_warn(name_ + ": logical line must not start with whitespace: \"" + std::string(s) +
               "\"");
      return;
    }
    if (options_.utf8 && !valid_utf8(s)) {
      msg_warn(where + ": non-UTF-8 input \"" + printable(s) + "\" -- ignoring this line");
      return;
    }
    size_t key_end = 0;
    while (key_end < s.size() && !is_blank(s[key_end])) ++key_end;
    size_t value_start = key_end;
    while (value_start < s.size() && is_blank(s[value_start])) ++value_start;
    if (key_end == 0 || value_start >= s.size()) {
      msg_warn(where + ": expected format: key whitespace value" + options_.bad_line_suffix);
      return;
    }
    fn_(s.substr(0, key_end), s.substr(value_start), line_);
  }

 private:
  const std::string& name_;
  const DictSourceFn& fn_;
  const DictSourceOptions& options_;
  bool active_ = false;
  std::string text_;
  int line_ = 0;
  bool leading_blank_ = false;
  bool too_long_ = false;
};

}  // namespace

Result<void> read_postmap_source(std::FILE* fp, const std::string& name, const DictSourceFn& fn,
                                 const DictSourceOptions& options) {
  LogicalLine logical(name, fn, options);
  LineBuffer buf;
  int lineno = 0;
  for (;;) {
    errno = 0;
    ssize_t n = getline(&buf.data, &buf.capacity, fp);
    if (n < 0) {
      if (std::ferror(fp)) return fail_errno("read " + name);
      break;
    }
    ++lineno;
    std::string_view line(buf.data, static_cast<size_t>(n));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    bool too_long = options.max_line_length > 0 && line.size() > options.max_line_length;
    if (all_blank(line)) continue;
    size_t first = line.find_first_not_of(" \t\r\v\f");
    if (line[first] == '#') continue;
    if (first > 0 && logical.active()) {
      logical.append(line, too_long);
    } else {
      logical.start(line, lineno, first > 0, too_long);
    }
  }
  logical.flush();
  return {};
}

Result<void> read_postmap_source_file(const std::string& path, const DictSourceFn& fn,
                                      const DictSourceOptions& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!fp) return fail_errno("open " + path);
  return read_postmap_source(fp.get(), path, fn, options);
}

}  // namespace util
