// master.cf editing (postconf -Me/-MX/-M#/-Fe/-Pe/-PX).
#include "libconf/master_cf_editor.h"

#include <algorithm>
#include <map>

#include "libconf/config_file_writer.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace conf {
namespace {

enum class Action { kKeep, kRewrite, kReplace, kDelete, kComment };

struct EditedEntry {
  MasterEntry entry;
  Action action = Action::kKeep;
};

bool has_space(std::string_view s) { return s.find_first_of(" \t\r\n") != std::string_view::npos; }

std::vector<std::string> split_slash(std::string_view s) {
  std::vector<std::string> parts;
  while (true) {
    size_t slash = s.find('/');
    parts.emplace_back(s.substr(0, slash));
    if (slash == std::string_view::npos) break;
    s = s.substr(slash + 1);
  }
  return parts;
}

bool matches(const std::string& pattern, const std::string& value) {
  return pattern == "*" || pattern == value;
}

bool is_blank_or_comment(std::string_view line) {
  std::string_view t = util::trim(line);
  return t.empty() || t.front() == '#';
}

// "name=value" in a -o word, without braces.
std::string option_name(const std::string& word) {
  std::string v = word;
  if (v.size() >= 2 && v.front() == '{' && v.back() == '}') v = v.substr(1, v.size() - 2);
  size_t eq = v.find('=');
  return eq == std::string::npos ? std::string() : v.substr(0, eq);
}

void set_parameter(MasterEntry& e, const std::string& name, const std::string& value) {
  const std::string word = name + "=" + value;
  bool replaced = false;
  for (size_t i = 1; i + 1 < e.options_end; ++i) {
    if (e.words[i] == "-o" && option_name(e.words[i + 1]) == name) {
      e.words[i + 1] = word;
      replaced = true;
    }
  }
  if (!replaced) {
    e.words.insert(e.words.begin() + static_cast<long>(e.options_end), {"-o", word});
    e.options_end += 2;
  }
  derive_master_options(e);
}

void remove_parameter(MasterEntry& e, const std::string& name) {
  for (size_t i = 1; i + 1 < e.options_end;) {
    if (e.words[i] == "-o" && option_name(e.words[i + 1]) == name) {
      e.words.erase(e.words.begin() + static_cast<long>(i), e.words.begin() + static_cast<long>(i) + 2);
      e.options_end -= 2;
    } else {
      ++i;
    }
  }
  derive_master_options(e);
}

// "key = value" with a non-empty key; Postfix's wording otherwise.
util::Result<std::pair<std::string, std::string>> split_assignment(const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos)
    return util::fail("missing '=' after attribute name: \"" + arg + "\"");
  std::string key(util::trim(std::string_view(arg).substr(0, eq)));
  if (key.empty() || has_space(key))
    return util::fail("missing '=' after attribute name: \"" + arg + "\"");
  return std::make_pair(key, std::string(util::trim(std::string_view(arg).substr(eq + 1))));
}

std::string render(const MasterCf& cf, const std::vector<EditedEntry>& entries,
                   const std::vector<MasterEntry>& appended) {
  const std::vector<std::string>& lines = cf.lines;
  std::map<int, size_t> by_first_line;
  for (size_t i = 0; i < entries.size(); ++i) by_first_line[entries[i].entry.first_line] = i;
  std::string out;
  std::string pending;  // a rewritten entry, written when its old text ends
  const EditedEntry* current = nullptr;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    const char* end = n + 1 == lines.size() && cf.missing_final_newline ? "" : "\n";
    if (is_blank_or_comment(line)) {
      out += line + end;
      continue;
    }
    auto it = by_first_line.find(static_cast<int>(n) + 1);
    if (it == by_first_line.end()) {  // continuation line (or stray indented line)
      Action a = current ? current->action : Action::kKeep;
      if (a == Action::kKeep) out += line + end;
      if (a == Action::kComment) out += "#" + line + end;
      continue;
    }
    out += pending;
    pending.clear();
    current = &entries[it->second];
    switch (current->action) {
      case Action::kKeep: out += line + end; break;
      case Action::kRewrite: pending = format_master_entry(current->entry, true); break;
      case Action::kReplace: out += format_master_entry(current->entry, true); break;
      case Action::kDelete: break;
      case Action::kComment: out += "#" + line + end; break;
    }
  }
  out += pending;
  for (const auto& e : appended) out += format_master_entry(e, true);
  return out;
}

}  // namespace

util::Result<std::string> edit_master_cf_text(const MasterCf& cf, MasterEditMode mode,
                                              const std::vector<std::string>& args) {
  std::vector<EditedEntry> entries;
  for (const auto& e : cf.entries) entries.push_back({e, Action::kKeep});
  std::vector<MasterEntry> appended;
  const auto& field_names = master_field_names();

  for (const std::string& arg : args) {
    switch (mode) {
      case MasterEditMode::kEntry: {
        auto kv = split_assignment(arg);
        if (!kv) return std::unexpected(kv.error());
        auto key = split_slash(kv->first);
        if (key.size() != 2 || key[0].empty() || key[1].empty())
          return util::fail("-Me, -MX or -M# requires service_name/type");
        auto entry = parse_master_entry(kv->second);
        if (!entry) {
          if (entry.error().message == "bad field count")
            return util::fail("bad field count: \"" + arg + "\"");
          return std::unexpected(entry.error());
        }
        bool found = false;
        for (auto& ed : entries) {
          if (ed.action == Action::kDelete || ed.entry.service != key[0] || ed.entry.type != key[1])
            continue;
          int first = ed.entry.first_line, last = ed.entry.last_line;
          ed.entry = *entry;
          ed.entry.first_line = first;
          ed.entry.last_line = last;
          ed.action = Action::kReplace;
          found = true;
        }
        // Postfix matches only the entries read from the file: a second -Me
        // for a new service/type appends it again.
        if (!found) appended.push_back(*entry);
        break;
      }
      case MasterEditMode::kDeleteEntry:
      case MasterEditMode::kCommentEntry: {
        auto key = split_slash(arg);
        if (key.size() != 2 || key[0].empty() || key[1].empty())
          return util::fail("-Me, -MX or -M# requires service_name/type");
        for (auto& ed : entries) {
          if (!matches(key[0], ed.entry.service) || !matches(key[1], ed.entry.type)) continue;
          if (ed.action == Action::kDelete) continue;
          ed.action = mode == MasterEditMode::kDeleteEntry ? Action::kDelete : Action::kComment;
        }
        std::erase_if(appended, [&](const MasterEntry& e) {
          return matches(key[0], e.service) && matches(key[1], e.type);
        });
        break;
      }
      case MasterEditMode::kField:
      case MasterEditMode::kParameter: {
        auto kv = split_assignment(arg);
        if (!kv) return std::unexpected(kv.error());
        auto key = split_slash(kv->first);
        bool field_mode = mode == MasterEditMode::kField;
        if (key.size() != 3 || key[0].empty() || key[1].empty() || key[2].empty())
          return util::fail(field_mode ? "-Fe or -FX requires service_name/type/field_name"
                                       : "-Pe or -PX requires service_name/type/parameter");
        int field = -1;
        if (field_mode) {
          auto it = std::find(field_names.begin(), field_names.end(), key[2]);
          if (it == field_names.end())
            return util::fail("invalid service attribute name: \"" + key[2] + "\"");
          field = static_cast<int>(it - field_names.begin());
          if (field == 7 ? kv->second.empty() : !valid_master_field(field, kv->second)) {
            if (field == 0 || field == 7)
              return util::fail("invalid " + key[2] + " field: \"" + kv->second + "\"");
            return util::fail("invalid " + key[2] + " field \"" + kv->second + "\" in \"" +
                              kv->second + "\"");
          }
        } else if (has_space(kv->second)) {
          return util::fail("-Pe does not accept whitespace in parameter value");
        }
        bool found = false;
        for (auto& ed : entries) {
          if (ed.action == Action::kDelete || ed.action == Action::kComment) continue;
          if (!matches(key[0], ed.entry.service) || !matches(key[1], ed.entry.type)) continue;
          found = true;
          // Postfix re-reads an entry it edits, warnings included (once).
          if (ed.action == Action::kKeep) set_master_command(ed.entry, ed.entry.raw_command);
          if (field_mode)
            set_master_field(ed.entry, field, kv->second);
          else
            set_parameter(ed.entry, key[2], kv->second);
          if (ed.action == Action::kKeep) ed.action = Action::kRewrite;
        }
        for (auto& e : appended) {
          if (!matches(key[0], e.service) || !matches(key[1], e.type)) continue;
          found = true;
          if (field_mode)
            set_master_field(e, field, kv->second);
          else
            set_parameter(e, key[2], kv->second);
        }
        if (!found) util::msg_warn("unmatched service_name/type: \"" + arg + "\"");
        break;
      }
      case MasterEditMode::kDeleteParameter: {
        auto key = split_slash(arg);
        if (key.size() != 3 || key[0].empty() || key[1].empty() || key[2].empty())
          return util::fail("-Pe or -PX requires service_name/type/parameter");
        bool found = false;
        for (auto& ed : entries) {
          if (ed.action == Action::kDelete || ed.action == Action::kComment) continue;
          if (!matches(key[0], ed.entry.service) || !matches(key[1], ed.entry.type)) continue;
          found = true;
          if (ed.action == Action::kKeep) set_master_command(ed.entry, ed.entry.raw_command);
          remove_parameter(ed.entry, key[2]);
          if (ed.action == Action::kKeep) ed.action = Action::kRewrite;
        }
        for (auto& e : appended) {
          if (!matches(key[0], e.service) || !matches(key[1], e.type)) continue;
          found = true;
          remove_parameter(e, key[2]);
        }
        if (!found) util::msg_warn("unmatched service_name/type: \"" + arg + "\"");
        break;
      }
    }
  }
  return render(cf, entries, appended);
}

util::Result<void> edit_master_cf(const std::string& path, MasterEditMode mode,
                                  const std::vector<std::string>& args) {
  auto text = read_file_for_edit(path);
  if (!text) return std::unexpected(text.error());
  auto cf = parse_master_cf(path, *text, false);
  if (!cf) return std::unexpected(cf.error());
  auto edited = edit_master_cf_text(*cf, mode, args);
  if (!edited) return std::unexpected(edited.error());
  return replace_file_atomically(path, *edited);
}

}  // namespace conf
