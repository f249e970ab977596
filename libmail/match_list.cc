#include "libmail/match_list.h"

#include <cctype>
#include <cstdio>
#include <memory>

#include "libutil/log.h"
#include "libutil/strings.h"

namespace mail {
namespace {

// "/file" elements may name files that name files; Postfix has no cycle
// check either, so a bound keeps a loop from recursing forever.
constexpr int kMaxFileDepth = 20;

bool is_separator(char c) {
  return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

util::Result<std::string> read_whole_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!fp) return util::fail_errno("open " + path);
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, fp.get())) > 0) text.append(buf, n);
  if (std::ferror(fp.get())) return util::fail_errno("read " + path);
  return text;
}

// A "type:name" element, as opposed to a host name, address or file. IPv6
// literals contain ':' too, so a table type must be a plain word.
bool is_table_element(std::string_view e) {
  std::size_t colon = e.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : e.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// Suffix test in the parent-domain sense: "sub.example.com" is below
// "example.com" (and below ".example.com").
bool is_below(std::string_view name, std::string_view domain) {
  if (domain.empty() || name.size() <= domain.size()) return false;
  if (name.substr(name.size() - domain.size()) != domain) return false;
  return domain.front() == '.' || name[name.size() - domain.size() - 1] == '.';
}

}  // namespace

bool parent_domain_matches(std::string_view value, std::string_view list_name) {
  for (const std::string& item : util::split(value, ", \t\r\n")) {
    if (util::iequals(item, list_name)) return true;
  }
  return false;
}

std::vector<std::string> split_match_list(std::string_view value) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : value) {
    if (depth == 0 && is_separator(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

MatchList::MatchList(MatchList&&) noexcept = default;
MatchList& MatchList::operator=(MatchList&&) noexcept = default;
MatchList::~MatchList() = default;

util::Result<MatchList> MatchList::parse(std::string_view value, const MatchListOptions& options) {
  MatchList list;
  list.options_ = options;
  for (const std::string& item : split_match_list(value)) {
    if (auto r = list.add(item, false, 0); !r) return std::unexpected(r.error());
  }
  return list;
}

util::Result<void> MatchList::add(std::string_view element, bool negate, int depth) {
  while (!element.empty() && element.front() == '!') {
    negate = !negate;
    element.remove_prefix(1);
  }
  if (element.empty()) return {};
  if (element.front() == '/') {
    if (depth >= kMaxFileDepth) {
      return util::fail(options_.list_name + ": file nesting too deep: " + std::string(element));
    }
    auto text = read_whole_file(std::string(element));
    if (!text) return std::unexpected(text.error());
    std::size_t start = 0;
    while (start < text->size()) {
      std::size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string_view line = util::trim(std::string_view(*text).substr(start, end - start));
      start = end + 1;
      if (line.empty() || line.front() == '#') continue;
      for (const std::string& item : split_match_list(line)) {
        if (auto r = add(item, negate, depth + 1); !r) return r;
      }
    }
    return {};
  }
  Element e;
  e.negate = negate;
  if (is_table_element(element)) {
    auto table = util::dict_open(element);
    if (!table) return std::unexpected(table.error());
    e.kind = Kind::kTable;
    e.table = std::move(*table);
    elements_.push_back(std::move(e));
    return {};
  }
  // Address patterns: "1.2.3.4", "10.0.0.0/8", "[::1]/128", "[2001:db8::]/32".
  std::string complaint;
  if (auto net = util::parse_cidr_pattern(element, &complaint)) {
    e.kind = Kind::kNetwork;
    e.net = *net;
    elements_.push_back(std::move(e));
    return {};
  }
  const bool looks_numeric =
      element.front() == '[' || element.find(':') != std::string_view::npos ||
      (element.find('/') != std::string_view::npos &&
       std::isdigit(static_cast<unsigned char>(element.front())));
  if (looks_numeric) {
    // A malformed network can never match; say so rather than treat it as a
    // host name.
    util::msg_warn(options_.list_name + ": " + complaint + ": ignoring this pattern");
    return {};
  }
  e.kind = Kind::kName;
  e.name = util::lowercase(element);
  elements_.push_back(std::move(e));
  return {};
}

util::Result<bool> MatchList::table_has_name(util::Dict& table, const std::string& name) const {
  auto found = table.lookup(name);
  if (!found) return std::unexpected(found.error());
  if (*found) return true;
  if (table.is_pattern()) return false;
  // Parent domains of the name, bare or with the leading dot.
  for (std::size_t dot = name.find('.', 1); dot != std::string::npos;
       dot = name.find('.', dot + 1)) {
    if (dot + 1 >= name.size()) break;
    std::string key = options_.parent_domain_matches_subdomains ? name.substr(dot + 1)
                                                                : name.substr(dot);
    auto parent = table.lookup(key);
    if (!parent) return std::unexpected(parent.error());
    if (*parent) return true;
  }
  return false;
}

util::Result<bool> MatchList::name_matches(const Element& e, std::string_view raw) const {
  if (raw.empty()) return false;
  const std::string name = util::lowercase(raw);
  if (e.kind == Kind::kTable) return table_has_name(*e.table, name);
  if (e.kind != Kind::kName) return false;
  if (name == e.name) return true;
  if (e.name.front() == '.') return is_below(name, e.name);
  return options_.parent_domain_matches_subdomains && is_below(name, e.name);
}

util::Result<bool> MatchList::match_domain(std::string_view name) const {
  for (const Element& e : elements_) {
    auto m = name_matches(e, name);
    if (!m) return std::unexpected(m.error());
    if (*m) return !e.negate;
  }
  return false;
}

util::Result<bool> MatchList::match_host(std::string_view hostname,
                                         std::string_view address) const {
  const auto addr = util::parse_ip_address(address);
  for (const Element& e : elements_) {
    bool matched = false;
    if (e.kind == Kind::kNetwork) {
      matched = addr && e.net.contains(*addr);
    } else {
      auto by_name = name_matches(e, hostname);
      if (!by_name) return std::unexpected(by_name.error());
      matched = *by_name;
      if (!matched && e.kind == Kind::kTable && !address.empty()) {
        // Tables see the address string itself (cidr tables match it).
        auto by_addr = e.table->lookup(address);
        if (!by_addr) return std::unexpected(by_addr.error());
        matched = by_addr->has_value();
      }
    }
    if (matched) return !e.negate;
  }
  return false;
}

}  // namespace mail
