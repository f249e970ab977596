// The postmap(1) source format: "key whitespace value" per logical line.
// Users: postmap (building a table, postmap -i) and texthash: tables.
// Easy to get wrong, all observed on Postfix 3.7:
//  - a line that starts with white space continues the previous one and is
//    appended verbatim (its leading blanks kept, no separator added);
//  - blank lines and lines whose first non-blank is "#" are skipped without
//    ending the logical line, so "k v", "  # note", "  more" gives "v  more";
//  - only the end of the whole logical line is trimmed (CR included); the
//    value keeps inner and embedded-CR characters; a NUL ends the text, as
//    in Postfix's C strings.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace util {

struct DictSourceOptions {
  // Appended to the "expected format" warning: postmap says nothing more,
  // texthash says " -- ignoring this line".
  std::string bad_line_suffix;
  // Longest physical line accepted, 0 = no bound (Postfix has none). Longer
  // lines are warned about and skipped with their continuation lines.
  size_t max_line_length = 0;
  // UTF-8 mode (DictOpenOptions::utf8): a logical line that is not valid
  // UTF-8 is skipped with "NAME, line N: non-UTF-8 input "LINE" -- ignoring
  // this line" (comment lines are never checked).
  bool utf8 = false;
};

// Key (not yet case-folded), value, first physical line of the entry.
using DictSourceFn = std::function<void(std::string_view key, std::string_view value, int line)>;

// Read `fp` to the end, calling `fn` for each well-formed entry; bad lines
// are warned about as "NAME, line N: expected format: key whitespace value"
// and skipped. Error only when reading fails ("read NAME: ...").
Result<void> read_postmap_source(std::FILE* fp, const std::string& name, const DictSourceFn& fn,
                                 const DictSourceOptions& options = {});

// The same for a file by path; a missing file is "open PATH: No such file or
// directory".
Result<void> read_postmap_source_file(const std::string& path, const DictSourceFn& fn,
                                      const DictSourceOptions& options = {});

}  // namespace util
