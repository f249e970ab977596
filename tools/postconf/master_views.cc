// postconf -M/-F/-P output.
#include "tools/postconf/master_views.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "libutil/log.h"

namespace postconf {
namespace {

void out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

std::vector<MasterSelector> parse_all(const std::vector<std::string>& args, int max_parts,
                                      const std::string& usage_error) {
  std::vector<MasterSelector> sel;
  for (const auto& a : args) sel.push_back(parse_master_selector(a, max_parts, usage_error));
  return sel;
}

void warn_unmatched(const std::vector<MasterSelector>& sel) {
  for (const auto& s : sel)
    if (!s.matched) util::msg_warn("unmatched request: \"" + s.text + "\"");
}

bool component_matches(const std::string& pattern, const std::string& value) {
  return pattern.empty() || pattern == "*" || pattern == value;
}

std::string prefix(const conf::MasterEntry& e) { return e.service + "/" + e.type + "/"; }

void show_pair(const std::string& name, const std::string& value, const MasterViewFlags& flags) {
  if (flags.hide_name)
    out(value + "\n");
  else if (flags.hide_value)
    out(name + "\n");
  else
    out(name + " = " + value + "\n");
}

}  // namespace

bool MasterSelector::matches(const conf::MasterEntry& e) const {
  return component_matches(service, e.service) && component_matches(type, e.type);
}

MasterSelector parse_master_selector(const std::string& arg, int max_parts,
                                     const std::string& usage_error) {
  MasterSelector s;
  s.text = arg;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = arg.find('/', start);
    parts.push_back(arg.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (static_cast<int>(parts.size()) > max_parts) util::msg_fatal(usage_error);
  for (const auto& p : parts)
    if (p.empty() || (p.find('*') != std::string::npos && p != "*")) util::msg_fatal(usage_error);
  s.service = parts[0];
  if (parts.size() > 1) s.type = parts[1];
  if (parts.size() > 2) s.name = parts[2];
  return s;
}

void show_master_entries(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                         const MasterViewFlags& flags) {
  auto sel = parse_all(selectors, 2, "-M option requires service_name[/type]");
  for (const auto& e : cf.entries) {
    bool want = sel.empty();
    for (auto& s : sel)
      if (s.matches(e)) want = s.matched = true;
    if (want) out(conf::format_master_entry(e, flags.fold));
  }
  warn_unmatched(sel);
}

void show_master_fields(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                        const MasterViewFlags& flags) {
  auto sel = parse_all(selectors, 3, "-F option requires service_name[/type[/field]]");
  const auto& names = conf::master_field_names();
  for (const auto& s : sel) {
    if (!s.name.empty() && s.name != "*" &&
        std::find(names.begin(), names.end(), s.name) == names.end())
      util::msg_fatal("invalid service attribute name: \"" + s.name + "\"");
  }
  for (const auto& e : cf.entries) {
    for (int i = 0; i < 8; ++i) {
      bool want = sel.empty();
      for (auto& s : sel)
        if (s.matches(e) && component_matches(s.name, names[i])) want = s.matched = true;
      if (!want) continue;
      if (i == 7 && !flags.hide_value) {
        out(conf::format_master_command(e, flags.hide_name ? "" : prefix(e) + names[i] + " = ",
                                        flags.fold));
        continue;
      }
      show_pair(prefix(e) + names[i], conf::master_field(e, i), flags);
    }
  }
  warn_unmatched(sel);
}

void show_master_parameters(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                            const MasterViewFlags& flags) {
  auto sel = parse_all(selectors, 3, "-P option requires service_name[/type[/parameter]]");
  for (const auto& e : cf.entries) {
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : conf::master_entry_parameters(e)) params[name] = value;
    for (const auto& [name, value] : params) {
      bool want = sel.empty();
      for (auto& s : sel)
        if (s.matches(e) && component_matches(s.name, name)) want = s.matched = true;
      if (want) show_pair(prefix(e) + name, value, flags);
    }
  }
  warn_unmatched(sel);
}

}  // namespace postconf
