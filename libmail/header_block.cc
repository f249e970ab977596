#include "libmail/header_block.h"

#include "libutil/strings.h"

namespace mail {

std::string Header::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string Header::value() const {
  std::string t = text();
  auto colon = t.find(':');
  if (colon == std::string::npos) return "";
  std::size_t start = colon + 1;
  while (start < t.size() && (t[start] == ' ' || t[start] == '\t')) ++start;
  return t.substr(start);
}

bool Header::is(std::string_view name_icase) const { return util::iequals(name, name_icase); }

std::optional<std::string> header_name(std::string_view line) {
  std::size_t i = 0;
  // Printable ASCII except ':' (RFC 5322 field-name).
  while (i < line.size() && line[i] > ' ' && line[i] < 127 && line[i] != ':') ++i;
  if (i == 0) return std::nullopt;
  std::size_t name_end = i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] != ':') return std::nullopt;
  return std::string(line.substr(0, name_end));
}

HeaderBlock split_header_block(const std::vector<std::string>& lines,
                               std::size_t header_size_limit) {
  HeaderBlock block;
  std::size_t i = 0;
  std::size_t size = 0;
  for (; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && !block.headers.empty()) {
      // Postfix truncates an over-long header rather than rejecting it.
      if (header_size_limit == 0 || size + 1 + line.size() <= header_size_limit) {
        block.headers.back().lines.push_back(line);
        size += 1 + line.size();
      }
      continue;
    }
    auto name = header_name(line);
    if (!name) break;
    Header h;
    h.name = *name;
    h.lines.push_back(header_size_limit && line.size() > header_size_limit
                          ? line.substr(0, header_size_limit)
                          : line);
    size = h.lines.back().size();
    block.headers.push_back(std::move(h));
  }
  block.body.assign(lines.begin() + static_cast<long>(i), lines.end());
  return block;
}

Header make_header(std::string_view text) {
  Header h;
  std::size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    h.lines.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  h.name = header_name(h.lines.front()).value_or("");
  return h;
}

}  // namespace mail
