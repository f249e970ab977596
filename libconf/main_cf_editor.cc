// main.cf editing that keeps comments and order (postconf -e/-X/-#).
#include "libconf/main_cf_editor.h"

#include <set>

#include "libconf/config_file_writer.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace conf {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Lines with their end: a last line without '\n' is copied without one, as
// Postfix does.
std::vector<std::pair<std::string_view, std::string_view>> physical_lines(std::string_view text) {
  std::vector<std::pair<std::string_view, std::string_view>> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      lines.emplace_back(text, "");
      break;
    }
    lines.emplace_back(text.substr(0, nl), "\n");
    text = text.substr(nl + 1);
  }
  return lines;
}

// The parameter name a definition line starts with ("name = v" -> "name").
std::string defined_name(std::string_view line) {
  size_t end = 0;
  while (end < line.size() && !is_space(line[end]) && line[end] != '=') ++end;
  return std::string(line.substr(0, end));
}

}  // namespace

util::Result<std::pair<std::string, std::string>> parse_edit_assignment(std::string_view arg) {
  size_t eq = arg.find('=');
  std::string_view name = eq == std::string_view::npos ? arg : util::trim(arg.substr(0, eq));
  bool bad_name = false;
  for (char c : name) bad_name |= is_space(c);
  if (eq == std::string_view::npos || bad_name)
    return util::fail("missing '=' after attribute name: \"" + std::string(arg) + "\"");
  if (name.empty()) return util::fail("missing attribute name: \"" + std::string(arg) + "\"");
  return std::make_pair(std::string(name), std::string(util::trim(arg.substr(eq + 1))));
}

std::string edit_main_cf_text(std::string_view text, const std::string& path,
                              const MainCfEdit& edit) {
  std::vector<std::string> wanted;
  for (const auto& item : edit.items) wanted.push_back(item.first);
  auto value_of = [&](const std::string& name) -> const std::string* {
    const std::string* found = nullptr;
    for (const auto& item : edit.items)  // the last -e for a name wins
      if (item.first == name) found = &item.second;
    return found;
  };
  auto is_wanted = [&](const std::string& name) {
    for (const auto& w : wanted)
      if (w == name) return true;
    return false;
  };

  std::string out;
  std::set<std::string> seen;
  bool in_edited = false;  // the current definition is being edited
  for (auto [line, end] : physical_lines(text)) {
    std::string_view t = util::trim(line);
    if (t.empty() || t.front() == '#') {
      out.append(line).append(end);
      continue;
    }
    if (is_space(line.front())) {  // continuation of the current definition
      if (!in_edited) {
        out.append(line).append(end);
      } else if (edit.mode == MainCfEditMode::kComment) {
        out.append("#").append(line).append(end);
      }
      continue;
    }
    std::string name = defined_name(line);
    in_edited = is_wanted(name);
    if (!in_edited) {
      out.append(line).append(end);
      continue;
    }
    if (!seen.insert(name).second)
      util::msg_warn(path + ": multiple entries for \"" + name + "\"");
    switch (edit.mode) {
      case MainCfEditMode::kSet:
        out += name + " = " + *value_of(name) + "\n";
        break;
      case MainCfEditMode::kRemove:
        break;
      case MainCfEditMode::kComment:
        out.append("#").append(line).append(end);
        break;
    }
  }
  if (edit.mode == MainCfEditMode::kSet) {
    std::set<std::string> appended;
    for (const auto& item : edit.items) {
      if (seen.count(item.first) || !appended.insert(item.first).second) continue;
      out += item.first + " = " + *value_of(item.first) + "\n";
    }
  }
  return out;
}

util::Result<void> edit_main_cf(const std::string& path, const MainCfEdit& edit) {
  auto text = read_file_for_edit(path);
  if (!text) return std::unexpected(text.error());
  return replace_file_atomically(path, edit_main_cf_text(*text, path, edit));
}

}  // namespace conf
