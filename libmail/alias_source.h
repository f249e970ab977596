// mail::alias_source: the aliases(5) source format read by postalias and
// newaliases ("name: value", continued on lines that start with whitespace).
// Users: tools/postalias (building and postalias -i); local delivery reads
// the built table, never this file.
// Easy to get wrong: the name and the value are RFC 822 token lists, not
// plain text. The value is written back in a normalised form (runs of
// whitespace collapse, ", " after commas, a space before "<", atoms holding
// specials get quoted) so a table built here answers byte for byte like one
// built by Postfix; the name loses its quotes and may not contain "@".
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace mail {

// One accepted "name: value" entry. `name` is not yet case-folded (the table
// does that, unless postalias -f).
struct AliasEntry {
  std::string name;
  std::string value;
  int line = 0;  // first physical line of the logical line
};

enum class AliasLineStatus {
  kOk,
  kNeedPair,      // no ":" at top level, or an empty name or value
  kNameNotLocal,  // the name holds an "@"
};

struct AliasLine {
  AliasLineStatus status = AliasLineStatus::kOk;
  std::string name;
  std::string value;
};

// Parse one logical line (continuations already joined).
AliasLine parse_alias_line(std::string_view logical_line);

// Read a whole source stream, calling `on_entry` for every good entry and
// printing Postfix's warnings (naming `source_name`) for bad ones, which are
// skipped. Error only when the stream cannot be read. With `utf8` (UTF-8
// mode, see util::DictOpenOptions::utf8) a logical line that is not valid
// UTF-8 is skipped with Postfix's "non-UTF-8 input" warning.
util::Result<void> read_alias_source(std::FILE* in, std::string_view source_name,
                                     const std::function<void(const AliasEntry&)>& on_entry,
                                     bool utf8 = false);

}  // namespace mail
