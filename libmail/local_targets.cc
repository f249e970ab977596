#include "libmail/local_targets.h"

#include "libutil/strings.h"

namespace mail {
namespace {

// Remove RFC 822 quoting: the quote characters go, a backslash inside
// quotes keeps the next character as is. Text outside quotes is kept,
// so "joe"@example.com becomes joe@example.com.
std::string unquote(std::string_view entry) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    char c = entry[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\\' && quoted && i + 1 < entry.size()) {
      out += entry[++i];
    } else {
      out += c;
    }
  }
  return out;
}

// "Name <addr>" -> "addr" (brackets outside quotes only).
std::string_view strip_route_brackets(std::string_view entry) {
  bool quoted = false;
  std::size_t open = std::string_view::npos;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    char c = entry[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '<') open = i;
    if (c == '>' && open != std::string_view::npos) return entry.substr(open + 1, i - open - 1);
  }
  return entry;
}

}  // namespace

LocalTargetSpec classify_target(std::string_view entry) {
  LocalTargetSpec spec;
  if (entry.starts_with('|')) {
    spec.type = LocalTargetType::kCommand;
    spec.value = std::string(entry.substr(1));
  } else if (util::starts_with_icase(entry, ":include:")) {
    spec.type = LocalTargetType::kInclude;
    spec.value = std::string(util::trim(entry.substr(9)));
  } else if (entry.starts_with('/')) {
    spec.type = LocalTargetType::kFile;
    spec.value = std::string(entry);
  } else if (entry.starts_with('\\')) {
    spec.type = LocalTargetType::kMailbox;
    spec.value = std::string(entry.substr(1));
  } else {
    spec.value = std::string(entry);
  }
  return spec;
}

std::vector<LocalTargetSpec> parse_target_list(std::string_view list) {
  std::vector<LocalTargetSpec> out;
  auto flush = [&](std::string_view raw) {
    std::string_view entry = util::trim(raw);
    if (entry.empty()) return;
    // A command or file keeps its brackets ("|cat > f" has a '>').
    bool literal = entry.starts_with('|') || entry.starts_with("\"|") ||
                   entry.starts_with('/') || entry.starts_with("\"/");
    if (!literal) entry = util::trim(strip_route_brackets(entry));
    std::string plain = unquote(entry);
    if (!plain.empty()) out.push_back(classify_target(plain));
  };
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    char c = list[i];
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if ((c == ',' || c == '\n') && !quoted) {
      flush(list.substr(start, i - start));
      start = i + 1;
    }
  }
  flush(list.substr(start));
  return out;
}

std::vector<LocalTargetSpec> parse_target_file(std::string_view content) {
  std::vector<LocalTargetSpec> out;
  while (!content.empty()) {
    std::size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
    std::string_view t = util::trim(line);
    if (t.empty() || t.starts_with('#')) continue;
    for (auto& spec : parse_target_list(line)) out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace mail
