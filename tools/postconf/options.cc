// postconf option parsing and the Postfix conflict rules (observed on 3.7.11).
#include "tools/postconf/options.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "libutil/log.h"

namespace postconf {
namespace {

// Flag letters in the order Postfix lists them in "specify one of" messages.
constexpr const char kFlagOrder[] = "aAbFlmMpPtdehHnxfX#";

bool* flag(Options& o, char c) {
  switch (c) {
    case 'a': return &o.a;
    case 'A': return &o.A;
    case 'b': return &o.b;
    case 'd': return &o.d;
    case 'e': return &o.e;
    case 'f': return &o.f;
    case 'F': return &o.F;
    case 'h': return &o.h;
    case 'H': return &o.H;
    case 'l': return &o.l;
    case 'm': return &o.m;
    case 'M': return &o.M;
    case 'n': return &o.n;
    case 'p': return &o.p;
    case 'P': return &o.P;
    case 't': return &o.t;
    case 'x': return &o.x;
    case 'X': return &o.X;
    case '#': return &o.comment;
    default: return nullptr;
  }
}

bool is_set(Options& o, char c) {
  bool* p = flag(o, c);
  return p && *p;
}

// The set flags among `letters`, in Postfix's order: "-d -e -n".
std::string set_flags(Options& o, const std::string& letters) {
  std::string out;
  for (const char* c = kFlagOrder; *c; ++c) {
    if (letters.find(*c) == std::string::npos || !is_set(o, *c)) continue;
    if (!out.empty()) out += ' ';
    out += '-';
    out += *c;
  }
  return out;
}

int count_set(Options& o, const std::string& letters) {
  int n = 0;
  for (char c : letters) n += is_set(o, c) ? 1 : 0;
  return n;
}

[[noreturn]] void usage(const char* argv0) {
  util::msg_fatal(std::string("usage: ") + argv0 +
                  " [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)]"
                  " [-c config_dir] [-c param_class] [-d (parameter defaults)]"
                  " [-e (edit configuration)] [-f (fold lines)] [-F (master.cf fields)]"
                  " [-h (no names)] [-H (no values)] [-l (lock types)] [-m (map types)]"
                  " [-M (master.cf)] [-n (non-default parameters)]"
                  " [-o name=value (override parameter value)] [-p (main.cf, default)]"
                  " [-P (master.cf parameters)] [-t (bounce templates)]"
                  " [-T compile-version|run-version|public-key-algorithms] [-v (verbose)]"
                  " [-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] [name...]");
}

void check_conflicts(Options& o) {
  // Output modes exclude each other.
  if (o.b && o.t) util::msg_fatal("specify one of -b and -t");
  const std::string modes = "aAbFlmMpPt";
  if (count_set(o, modes) > 1) util::msg_fatal("specify one of " + set_flags(o, modes));
  if (count_set(o, "den") > 1) util::msg_fatal("specify one of " + set_flags(o, "den"));
  struct Group {
    char primary;
    const char* others;
  };
  static constexpr Group kGroups[] = {
      {'e', "hHxf"}, {'h', "H"}, {'X', "dehHnxf"}, {'#', "dehHnxfX"}};
  for (const Group& g : kGroups) {
    std::string all = std::string(1, g.primary) + g.others;
    if (is_set(o, g.primary) && count_set(o, g.others) > 0)
      util::msg_fatal("specify one of " + set_flags(o, all));
  }
  struct Forbidden {
    char mode;
    const char* flags;
  };
  static constexpr Forbidden kForbidden[] = {
      {'a', "dehHnxfX#"}, {'A', "dehHnxfX#"}, {'b', "dehHnxfX#"}, {'l', "dehHnxfX#"},
      {'m', "dehHnxfX#"}, {'t', "dehHnxfX#"}, {'M', "dhHn"},      {'F', "dnX#"},
      {'P', "dn#"}};
  for (const Forbidden& f : kForbidden) {
    if (!is_set(o, f.mode)) continue;
    for (const char* c = kFlagOrder; *c; ++c) {
      if (std::string(f.flags).find(*c) != std::string::npos && is_set(o, *c))
        util::msg_fatal(std::string("with option -") + f.mode + ", do not specify -" + *c);
    }
  }
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  int ch;
  // '+': stop at the first operand, as Postfix does (`-e a=1 -X` edits "-X").
  while ((ch = getopt(argc, argv, "+aAbc:C:deEfFhHlmMno:pPtT:vxX#")) != -1) {
    switch (ch) {
      case 'c':
        o.config_dir = optarg;
        o.explicit_config_dir = true;
        break;
      case 'C': {
        std::string v = optarg;
        if (v != "builtin" && v != "service" && v != "user" && v != "all")
          util::msg_fatal("unknown -C option value \"" + v + "\" in \"" + v + "\"");
        break;
      }
      case 'o':
        o.overrides.emplace_back(optarg);
        break;
      case 'T':
        o.T = true;
        o.tls_mode = optarg;
        break;
      case 'v':
        o.verbose = true;
        break;
      case 'E':
        break;
      default:
        if (bool* p = flag(o, static_cast<char>(ch))) {
          *p = true;
          break;
        }
        usage(argv[0]);
    }
  }
  for (int i = optind; i < argc; ++i) o.args.emplace_back(argv[i]);
  // A first operand "name=value" means -e.
  if (!o.args.empty() && o.args[0].find('=') != std::string::npos)
    o.e = true;
  check_conflicts(o);
  return o;
}

}  // namespace postconf
