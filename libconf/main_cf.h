// main.cf as Postfix reads it: logical lines (a line that starts with
// whitespace continues the one before; blank and comment lines are skipped,
// even between a line and its continuation), each `name = value`.
// Users: conf::Config (load), postconf (-n shows main.cf definitions).
// Easy to get wrong: continuation lines are joined as written (their leading
// whitespace is kept: "a = 2" + "  cont" is "2  cont"; postconf collapses
// whitespace only when it prints), the line number of a definition is that of
// its first physical line, and `#` inside a value is not a comment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace conf {

struct MainCfDefinition {
  std::string name;
  std::string value;  // trailing whitespace removed, otherwise as written
  int line = 0;       // first physical line of the logical line, 1-based
};

// Every definition in file order (a later duplicate does not remove the
// earlier one; the last one is in effect). With `warn`, prints Postfix's
// warnings: "PATH: logical line must not start with whitespace: \"...\"" and
// "PATH, line N: overriding earlier entry: name=earlier value".
// Errors: "PATH, line N: missing '=' after attribute name: \"line\"" and
// "PATH, line N: missing attribute name: \"= value\"".
util::Result<std::vector<MainCfDefinition>> parse_main_cf(std::string_view text,
                                                          const std::string& path, bool warn);

// Reads PATH then parse_main_cf. A missing file: "open PATH: No such file or
// directory" (sys_errno ENOENT).
util::Result<std::vector<MainCfDefinition>> read_main_cf(const std::string& path, bool warn);

}  // namespace conf
