// proxymap::TableAccess: which tables a proxymap process may serve, and the
// tables it has open. Used by proxymap_service.cc only.
// The approved set comes from proxy_read_maps (the proxymap service) or
// proxy_write_maps (proxywrite): only entries written "proxy:TYPE:NAME"
// there count, and TYPE:NAME is what a client asks for.
// Easy to get wrong:
//  - a refused table is logged with Postfix's two warnings (which table,
//    and which parameter to list it in), then answered "bad request"; it is
//    never opened, so a client cannot probe arbitrary files.
//  - read tables stay open for the life of the process (that is the point of
//    the service) but are reopened when the file behind them changed, e.g.
//    after postmap rebuilt it. Tables for update are opened for each change
//    and closed at once: Postern's writer holds an exclusive lock while
//    open, and postmap -q must not wait for the daemon to exit.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace conf {
class Config;
}

namespace proxymap {

class TableAccess {
 public:
  // writer: this is the proxywrite service (proxy_write_maps, updates allowed).
  TableAccess(const conf::Config& config, bool writer);

  bool writer() const { return writer_; }
  // Is TYPE:NAME approved? Warns in Postfix's words when it is not.
  bool approved(std::string_view table) const;

  // The table open for reading (cached); an error when it cannot be opened.
  util::Result<util::Dict*> reader(const std::string& table, std::int64_t flags);
  util::Result<void> update(const std::string& table, std::int64_t flags, std::string_view key,
                            std::string_view value);
  // true = removed, false = no such key.
  util::Result<bool> remove(const std::string& table, std::int64_t flags, std::string_view key);

  // The entries of a proxy_*_maps value that name proxy: tables, without
  // the prefix ("proxy:hash:/a, $x" -> {"hash:/a"}). Exposed for tests.
  static std::set<std::string> approved_tables(std::string_view value);

 private:
  util::DictOpenOptions options(std::int64_t flags) const;

  bool writer_;
  bool utf8_default_;
  std::set<std::string> approved_;
  // Keyed by flags and table: the same table with and without case folding
  // are different handles.
  std::map<std::pair<std::int64_t, std::string>, std::unique_ptr<util::Dict>> open_;
};

}  // namespace proxymap
