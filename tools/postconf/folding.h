// postconf -f: long "name = value" lines broken at whitespace, continuation
// lines indented by 4 spaces. Used by parameter_views.cc.
// Easy to get wrong: Postfix lets a main.cf parameter line reach 80 columns
// (master.cf -Mf stops at 79), and a word longer than the limit still goes
// on a line of its own rather than being cut.
#pragma once

#include <string>
#include <string_view>

namespace postconf {

// Runs of whitespace become one space; leading/trailing whitespace goes.
std::string collapse_whitespace(std::string_view text);

// `text` (already collapsed) folded at `limit` columns; no trailing newline.
std::string fold_line(std::string_view text, size_t limit = 80);

}  // namespace postconf
