// main.cf editing for postconf -e, -X and -#: only the definitions named are
// touched; comments, blank lines, order and every other byte stay as they
// were. Users: postconf.
// Easy to get wrong: a definition is its first line plus every following
// indented line (comment and blank lines in between do not end it), and a
// name may be defined more than once (each definition is edited, with a
// "multiple entries" warning).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libutil/error.h"

namespace conf {

enum class MainCfEditMode {
  kSet,      // -e name=value: replace in place, append new names
  kRemove,   // -X name: delete the definition
  kComment,  // -#: prefix every physical line of the definition with '#'
};

struct MainCfEdit {
  MainCfEditMode mode = MainCfEditMode::kSet;
  // For kSet: (name, value) in argument order; otherwise names only.
  std::vector<std::pair<std::string, std::string>> items;
};

// Splits a -e argument "name = value" (whitespace around both trimmed).
// Error: "missing '=' after attribute name: \"ARG\"".
util::Result<std::pair<std::string, std::string>> parse_edit_assignment(std::string_view arg);

// The edited text. `path` only names the file in warnings.
std::string edit_main_cf_text(std::string_view text, const std::string& path,
                              const MainCfEdit& edit);

// Reads PATH, edits it and replaces it atomically.
util::Result<void> edit_main_cf(const std::string& path, const MainCfEdit& edit);

}  // namespace conf
