#include "proxymap/table_access.h"

#include "libconf/config.h"
#include "libmail/proxymap_client.h"
#include "libutil/log.h"

namespace proxymap {
namespace {

const char* param_name(bool writer) { return writer ? "proxy_write_maps" : "proxy_read_maps"; }

}  // namespace

TableAccess::TableAccess(const conf::Config& config, bool writer)
    : writer_(writer),
      utf8_default_(config.get("smtputf8_enable") == "yes"),
      approved_(approved_tables(config.get(param_name(writer)))) {}

std::set<std::string> TableAccess::approved_tables(std::string_view value) {
  // Tokens are separated by white space and commas, except inside {...}
  // (inline:{a=1, b=2} is one table).
  std::set<std::string> out;
  std::string token;
  int depth = 0;
  auto flush = [&] {
    constexpr std::string_view kPrefix = "proxy:";
    if (token.size() > kPrefix.size() && token.compare(0, kPrefix.size(), kPrefix) == 0)
      out.insert(token.substr(kPrefix.size()));
    token.clear();
  };
  for (char c : value) {
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    if (depth == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',')) {
      flush();
      continue;
    }
    token += c;
  }
  flush();
  return out;
}

bool TableAccess::approved(std::string_view table) const {
  if (approved_.contains(std::string(table))) return true;
  util::msg_warn("request for unapproved table: \"" + std::string(table) + "\"");
  util::msg_warn(
      std::string("to approve this table for ") + (writer_ ? "read-write" : "read-only") +
      " access, list proxy:" + std::string(table) + " in main.cf:" + param_name(writer_));
  return false;
}

util::DictOpenOptions TableAccess::options(std::int64_t flags) const {
  util::DictOpenOptions o;
  o.fold_case = (flags & mail::kProxyFlagNoFold) == 0;
  o.utf8 = (flags & mail::kProxyFlagUtf8) != 0 || utf8_default_;
  return o;
}

util::Result<util::Dict*> TableAccess::reader(const std::string& table, std::int64_t flags) {
  auto key = std::make_pair(flags, table);
  auto it = open_.find(key);
  // A rebuilt or updated file is read afresh; the proxywrite service changes
  // its own tables, so it never keeps one.
  if (it != open_.end() && (writer_ || it->second->changed())) {
    open_.erase(it);
    it = open_.end();
  }
  if (it == open_.end()) {
    auto dict = util::dict_open(table, options(flags));
    if (!dict) return std::unexpected(dict.error());
    it = open_.emplace(key, std::move(*dict)).first;
  }
  return it->second.get();
}

util::Result<void> TableAccess::update(const std::string& table, std::int64_t flags,
                                       std::string_view key, std::string_view value) {
  util::DictOpenOptions o = options(flags);
  o.writable = true;
  o.duplicates = util::DictDuplicates::kReplace;  // an update replaces, as postmap -i
  auto dict = util::dict_open(table, o);
  if (!dict) return std::unexpected(dict.error());
  if (auto r = (*dict)->update(key, value); !r) return r;
  return (*dict)->commit();
}

util::Result<bool> TableAccess::remove(const std::string& table, std::int64_t flags,
                                       std::string_view key) {
  util::DictOpenOptions o = options(flags);
  o.writable = true;
  auto dict = util::dict_open(table, o);
  if (!dict) return std::unexpected(dict.error());
  auto removed = (*dict)->remove(key);
  if (!removed) return removed;
  if (auto r = (*dict)->commit(); !r) return std::unexpected(r.error());
  return *removed;
}

}  // namespace proxymap
