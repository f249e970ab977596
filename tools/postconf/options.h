// postconf command line: the flags, their conflicts and the usage text, as
// Postfix 3.7 reports them ("specify one of -d -n", "with option -M, do not
// specify -d"). Used by main.cc only.
// Easy to get wrong: a first argument holding '=' implies -e, and the
// program name in messages is argv[0] exactly as invoked.
#pragma once

#include <string>
#include <vector>

namespace postconf {

struct Options {
  std::string config_dir;  // -c
  bool explicit_config_dir = false;
  std::vector<std::string> overrides;  // -o name=value
  std::string tls_mode;                // -T
  // One bool per single-letter flag that selects or modifies output.
  bool a = false, A = false, b = false, d = false, e = false, f = false, F = false;
  bool h = false, H = false, l = false, m = false, M = false, n = false, p = false;
  bool P = false, t = false, T = false, x = false, X = false, comment = false;
  bool verbose = false;
  std::vector<std::string> args;  // names, selectors or edits
};

// Parses argv; prints Postfix's diagnostics and exits 1 on bad usage.
Options parse_options(int argc, char** argv);

}  // namespace postconf
