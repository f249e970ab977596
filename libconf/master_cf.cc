// master.cf reading: logical lines, the seven fixed columns and the
// normalisation of column 8 that postconf -M/-F/-P show. The brace rules
// were observed on Postfix 3.7.11 (see compat/master-cf.md).
#include "libconf/master_cf.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include "libutil/log.h"
#include "libutil/strings.h"

namespace conf {
namespace {

constexpr std::string_view kSpace = " \t\r\n";
// Postfix names the file this way (without directory) in column 8 warnings.
constexpr std::string_view kWarnContext = "master.cf: ";

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

bool has_space(std::string_view s) { return s.find_first_of(kSpace) != std::string_view::npos; }

bool is_blank_or_comment(std::string_view line) {
  std::string_view t = util::trim(line);
  return t.empty() || t.front() == '#';
}

struct Token {
  std::string text;  // the content (braces removed when braced)
  bool braced = false;
};

// Splits column 8 into words. A word starting with '{' runs to the matching
// '}'; a word may also hold balanced braces inside (`a={b c}`).
class Tokenizer {
 public:
  Tokenizer(std::string_view s, bool warn) : s_(s), warn_(warn) {}

  bool next(Token& out) {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
    if (pos_ >= s_.size()) return false;
    out = Token{};
    size_t start = pos_;
    if (s_[pos_] == '{') {
      out.braced = true;
      size_t close = matching_brace(pos_);
      if (close == std::string_view::npos) {
        warn("missing '}' in \"" + std::string(s_.substr(start)) + "\"");
        out.text = std::string(util::trim(s_.substr(start + 1)));
        pos_ = s_.size();
        return true;
      }
      out.text = std::string(util::trim(s_.substr(start + 1, close - start - 1)));
      pos_ = close + 1;
      if (pos_ < s_.size() && !is_space(s_[pos_])) {
        size_t end = pos_;
        while (end < s_.size() && !is_space(s_[end])) ++end;
        warn("syntax error after '}' in \"" + std::string(s_.substr(start, end - start)) + "\"");
        pos_ = end;
      }
      return true;
    }
    int depth = 0;
    while (pos_ < s_.size() && (depth > 0 || !is_space(s_[pos_]))) {
      if (s_[pos_] == '{') ++depth;
      if (s_[pos_] == '}' && depth > 0) --depth;
      ++pos_;
    }
    out.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

 private:
  size_t matching_brace(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < s_.size(); ++i) {
      if (s_[i] == '{') ++depth;
      if (s_[i] == '}' && --depth == 0) return i;
    }
    return std::string_view::npos;
  }

  void warn(const std::string& text) const {
    if (warn_) util::msg_warn(std::string(kWarnContext) + text);
  }

  std::string_view s_;
  bool warn_;
  size_t pos_ = 0;
};

std::string brace_if_spaced(std::string v) {
  if (has_space(v)) return "{" + v + "}";
  return v;
}

std::string unbrace(std::string_view w) {
  if (w.size() >= 2 && w.front() == '{' && w.back() == '}') return std::string(w.substr(1, w.size() - 2));
  return std::string(w);
}

// A braced -o value: "name = value" becomes "name=value"; bad forms warn
// and are kept as written.
std::string normalize_braced_option(const std::string& content, bool warn) {
  auto complain = [&](const std::string& text) {
    if (warn) util::msg_warn(std::string(kWarnContext) + text);
  };
  size_t eq = content.find('=');
  if (eq == std::string::npos) {
    complain("missing '=' after attribute name: \"" + content + "\"");
    return content;
  }
  std::string name(util::trim(std::string_view(content).substr(0, eq)));
  if (has_space(name)) {
    complain("missing '=' after attribute name: \"" + content + "\"");
    return content;
  }
  if (name.empty()) {
    complain("missing attribute name: \"" + content + "\"");
    return content;
  }
  return name + "=" + std::string(util::trim(std::string_view(content).substr(eq + 1)));
}

bool is_yes_no_default(std::string_view v) { return v == "y" || v == "n" || v == "-"; }

bool is_digits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const std::vector<std::string>& master_field_names() {
  static const std::vector<std::string> kNames = {
      "service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command"};
  return kNames;
}

bool valid_master_field(int index, std::string_view v) {
  switch (index) {
    case 1:
      return v == "inet" || v == "unix" || v == "unix-dgram" || v == "fifo" || v == "pass";
    case 2:
    case 3:
    case 4:
      return is_yes_no_default(v);
    case 5:
      if (v == "-") return true;
      if (!v.empty() && v.back() == '?') v.remove_suffix(1);
      return is_digits(v);
    case 6:
      return v == "-" || is_digits(v);
    default:
      return !v.empty();
  }
}

void set_master_command(MasterEntry& entry, std::string_view text, bool warn) {
  // A copy first: `text` may be entry.raw_command itself.
  std::string raw(text);
  entry.words.clear();
  entry.raw_command = raw;
  Tokenizer tok(entry.raw_command, warn);
  Token t;
  if (!tok.next(t)) {
    entry.options_end = 0;
    derive_master_options(entry);
    return;
  }
  entry.words.push_back(t.braced ? brace_if_spaced(t.text) : t.text);
  // Daemon options: up to the first word that is not an option. Postfix
  // strips the braces of the word that ends the options and prints it bare.
  bool in_options = true;
  while (tok.next(t)) {
    if (!in_options) {
      entry.words.push_back(t.braced ? brace_if_spaced(t.text) : t.text);
      continue;
    }
    const std::string& text_now = t.text;
    if (text_now.empty() || text_now[0] != '-' || text_now == "--") {
      in_options = false;
      entry.options_end = entry.words.size();
      entry.words.push_back(text_now);
      continue;
    }
    if (text_now.compare(0, 2, "-o") != 0 || t.braced) {
      entry.words.push_back(text_now);
      continue;
    }
    entry.words.push_back("-o");
    Token value;
    if (text_now.size() > 2) {
      value.text = text_now.substr(2);
    } else if (!tok.next(value)) {
      break;
    }
    std::string v = value.braced ? normalize_braced_option(value.text, warn) : value.text;
    entry.words.push_back(brace_if_spaced(std::move(v)));
  }
  if (in_options) entry.options_end = entry.words.size();
  derive_master_options(entry);
}

void derive_master_options(MasterEntry& entry) {
  entry.command = entry.words.empty() ? std::string() : entry.words[0];
  entry.args.clear();
  entry.options.clear();
  for (size_t i = 1; i < entry.words.size(); ++i) {
    if (i < entry.options_end && entry.words[i] == "-o" && i + 1 < entry.options_end) {
      std::string v = unbrace(entry.words[i + 1]);
      size_t eq = v.find('=');
      if (eq != std::string::npos && eq > 0 && !has_space(std::string_view(v).substr(0, eq))) {
        entry.options.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        ++i;
        continue;
      }
    }
    entry.args.push_back(unbrace(entry.words[i]));
  }
}

std::vector<std::pair<std::string, std::string>> master_entry_parameters(const MasterEntry& entry) {
  return entry.options;
}

util::Result<MasterEntry> parse_master_entry(std::string_view line, bool warn) {
  MasterEntry e;
  std::string* cols[7] = {&e.service,  &e.type,   &e.private_,     &e.unprivileged,
                          &e.chroot,   &e.wakeup, &e.process_limit};
  size_t pos = 0;
  for (int i = 0; i < 7; ++i) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    size_t start = pos;
    while (pos < line.size() && !is_space(line[pos])) ++pos;
    if (start == pos) return util::fail("bad field count");
    *cols[i] = std::string(line.substr(start, pos - start));
  }
  std::string_view rest = util::trim(line.substr(pos));
  if (rest.empty()) return util::fail("bad field count");
  for (int i = 1; i < 7; ++i) {
    if (!valid_master_field(i, *cols[i]))
      return util::fail("invalid " + master_field_names()[i] + " field \"" + *cols[i] + "\" in \"" +
                        std::string(line) + "\"");
  }
  set_master_command(e, rest, warn);
  return e;
}

util::Result<MasterCf> parse_master_cf(const std::string& path, std::string_view text,
                                       bool warn) {
  MasterCf cf;
  cf.path = path;
  cf.missing_final_newline = !text.empty() && text.back() != '\n';
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    cf.lines.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  // Group physical lines into logical lines; comments inside an entry are
  // skipped and do not end it.
  std::string logical;
  int first = 0, last = 0;
  auto flush = [&]() -> util::Result<void> {
    if (first == 0) return {};
    auto entry = parse_master_entry(logical, warn);
    if (!entry) {
      if (entry.error().message == "bad field count")
        return util::fail("file " + path + ": line " + std::to_string(first) + ": bad field count");
      return std::unexpected(entry.error());
    }
    entry->first_line = first;
    entry->last_line = last;
    cf.entries.push_back(std::move(*entry));
    first = 0;
    logical.clear();
    return {};
  };
  for (size_t i = 0; i < cf.lines.size(); ++i) {
    const std::string& line = cf.lines[i];
    if (is_blank_or_comment(line)) continue;
    int number = static_cast<int>(i) + 1;
    if (is_space(line[0])) {
      if (first == 0) {
        util::msg_warn(path + ": logical line must not start with whitespace: \"" + line + "\"");
        continue;
      }
      logical += line;
      last = number;
      continue;
    }
    if (auto r = flush(); !r) return std::unexpected(r.error());
    first = last = number;
    logical = line;
  }
  if (auto r = flush(); !r) return std::unexpected(r.error());
  return cf;
}

util::Result<MasterCf> read_master_cf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::fail_errno("open " + path, errno);
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_master_cf(path, buf.str());
}

std::string master_field(const MasterEntry& e, int index) {
  switch (index) {
    case 0: return e.service;
    case 1: return e.type;
    case 2: return e.private_;
    case 3: return e.unprivileged;
    case 4: return e.chroot;
    case 5: return e.wakeup;
    case 6: return e.process_limit;
    default: {
      std::string out;
      for (size_t i = 0; i < e.words.size(); ++i) {
        if (i) out += ' ';
        out += e.words[i];
      }
      return out;
    }
  }
}

bool set_master_field(MasterEntry& e, int index, std::string_view value) {
  if (index == 7) {
    set_master_command(e, value, true);
    return !e.words.empty();
  }
  if (!valid_master_field(index, value)) return false;
  std::string* cols[7] = {&e.service, &e.type,   &e.private_,     &e.unprivileged,
                          &e.chroot,  &e.wakeup, &e.process_limit};
  *cols[index] = std::string(value);
  return true;
}

std::string format_master_command(const MasterEntry& e, std::string line, bool fold) {
  static constexpr size_t kFoldWidth = 79;
  static constexpr std::string_view kIndent = "    ";
  std::string out;
  if (!e.words.empty()) line += e.words[0];
  auto new_line = [&]() {
    out += line;
    out += '\n';
    line = std::string(kIndent);
  };
  // In folded form each "-o value" daemon option gets a line of its own, and
  // so does the word after it; other words fill lines up to 79 columns.
  // Postfix separates words only when the line is longer than the 4-column
  // indent; that shows with postconf -Fh, where the line starts empty
  // ("cmd x y z" prints as "cmdxy z"). A "-o" option is always spaced.
  auto separate = [&]() {
    if (line.size() > kIndent.size()) line += ' ';
  };
  bool after_group = false;
  for (size_t i = 1; i < e.words.size(); ++i) {
    const std::string& w = e.words[i];
    bool group = i < e.options_end && w == "-o";
    if (!fold) {
      if (group) {
        line += " -o";
        if (i + 1 < e.words.size()) line += " " + e.words[++i];
        continue;
      }
      separate();
      line += w;
      continue;
    }
    if (group) {
      new_line();
      line += w;
      if (i + 1 < e.words.size()) {
        line += ' ';
        line += e.words[++i];
      }
      after_group = true;
      continue;
    }
    if (after_group || line.size() + 1 + w.size() > kFoldWidth) {
      new_line();
      line += w;
    } else {
      separate();
      line += w;
    }
    after_group = false;
  }
  out += line;
  out += '\n';
  return out;
}

std::string format_master_entry(const MasterEntry& e, bool fold) {
  static constexpr size_t kColumns[] = {0, 11, 17, 25, 33, 41, 49, 57};
  std::string line;
  for (int i = 0; i < 8; ++i) {
    if (i > 0) {
      if (line.size() < kColumns[i])
        line.append(kColumns[i] - line.size(), ' ');
      else
        line += ' ';
    }
    if (i < 7) line += master_field(e, i);
  }
  return format_master_command(e, std::move(line), fold);
}

}  // namespace conf
