// util::Dict: Postfix lookup tables ("type:name") behind one interface.
// Users: every daemon (access maps, aliases, transport, canonical, sasl
// passwords), postmap/postalias (build, query, dump, edit) and postconf -m.
// Easy to get wrong:
//  - a lookup has THREE outcomes: found, not found, and error. An error (the
//    table cannot be read) must make mail wait, never bounce: keep it apart
//    from "not found".
//  - hash:/btree: files are shared with Postfix: keys and values carry a
//    trailing NUL unless built with -n; readers try both (with NUL first) and
//    stick to the first form that worked.
//  - keys are folded to lower case on build and on lookup, unless fold_case
//    is off (postmap -f). Pattern tables (regexp, pcre, cidr) are matched
//    against the unfolded key and are never "fixed-string" tables.
//  - Error messages are complete sentences in postmap's words, ready to print
//    after "postmap: fatal: ": "open database FILE.db: No such file or
//    directory", "table fail:x: query error: Application error".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace util {

enum class DictDuplicates { kWarn, kIgnore, kReplace };  // postmap default / -w / -r

struct DictOpenOptions {
  bool create = false;    // build a new table (postmap FILE); truncates
  bool writable = false;  // open an existing table for update/remove (postmap -i, -d)
  bool fold_case = true;  // postmap -f turns this off
  // UTF-8 mode (smtputf8_enable = yes, no postmap -u): keys must be valid
  // UTF-8 ("non-UTF-8 key" warning, then not found) and fixed-string tables
  // fold them with full Unicode case folding (libutil/utf8_fold.h), so
  // "Straße" finds "strasse". Off = bytes, ASCII folding only.
  bool utf8 = false;
  // Key/value NUL convention when writing: true = Postfix's default for
  // Berkeley DB (-N), false = -n. Readers ignore this and probe; an update
  // of an existing table follows the form its first successful probe found
  // and uses this only while the form is still unknown (as Postfix).
  bool append_nul = true;
  DictDuplicates duplicates = DictDuplicates::kWarn;
  // File mode for created files (postmap copies the source file's mode).
  int create_mode = 0644;
};

class Dict {
 public:
  virtual ~Dict() = default;

  const std::string& type() const { return type_; }
  const std::string& name() const { return name_; }
  std::string type_name() const { return type_ + ":" + name_; }

  // Fixed-string tables get the partial-key searches of access maps
  // (user@domain, domain, parent domains, user@); pattern tables only the
  // full string.
  virtual bool is_pattern() const { return false; }

  // nullopt = not found; Error = the table could not be searched.
  virtual Result<std::optional<std::string>> lookup(std::string_view key) = 0;

  // Writable tables only. update() honours DictOpenOptions::duplicates and
  // warns in Postfix's words on a duplicate.
  virtual Result<void> update(std::string_view key, std::string_view value);
  // true = removed, false = not found.
  virtual Result<bool> remove(std::string_view key);
  // Every entry, in the table's own order (postmap -s). Error for types that
  // cannot ("table regexp:re: sequence operation is not supported").
  virtual Result<void> for_each(
      const std::function<void(std::string_view key, std::string_view value)>& fn);
  // For built tables: make the result visible (fsync + rename of the temporary
  // file). A created table that is never committed is discarded.
  virtual Result<void> commit();

  // True when the file behind the table changed since it was opened (daemons
  // restart on it, as Postfix does: "table ... has changed -- restarting").
  virtual bool changed() const { return false; }

 protected:
  Dict(std::string type, std::string name) : type_(std::move(type)), name_(std::move(name)) {}

  // "table TYPE:NAME: OPERATION error: REASON" (OPERATION: query, update,
  // delete), the form postmap prints for a failed access.
  std::unexpected<Error> op_error(std::string_view operation, std::string_view reason) const;
  // "table TYPE:NAME: OPERATION operation is not supported".
  std::unexpected<Error> unsupported(std::string_view operation) const;
  // Postfix's two warnings when a table answers "" for KEY (inline:{a=},
  // static:{}); the empty answer still counts as found.
  void warn_empty_result(std::string_view key) const;

 private:
  std::string type_;
  std::string name_;
};

// Open "type:name" (e.g. "hash:/etc/postfix/access", "inline:{a=1, b=2}",
// "proxy:unix:passwd.byname"). A name without "type:" is an error here;
// callers that accept bare file names add default_database_type themselves.
// Unknown type: "unsupported dictionary type: TYPE".
Result<std::unique_ptr<Dict>> dict_open(std::string_view type_name,
                                        const DictOpenOptions& options = {});

// The types dict_open() knows, sorted (postconf -m).
std::vector<std::string> dict_types();

}  // namespace util
