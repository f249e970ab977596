// See options.h.
#include "tools/sendmail/options.h"

#include <getopt.h>
#include <strings.h>

#include <cstdio>
#include <cstring>

#include "libutil/log.h"
#include "libutil/strings.h"

namespace sendmail {
namespace {

// -N: a comma list of never/success/failure/delay; 0 after a warning when bad.
int parse_notify(const std::string& value) {
  int flags = 0;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string word = value.substr(start, comma - start);
    start = comma + 1;
    if (word.empty()) continue;
    const char* w = word.c_str();
    if (strcasecmp(w, "never") == 0) {
      flags |= mail::kNotifyNever;
    } else if (strcasecmp(w, "success") == 0) {
      flags |= mail::kNotifySuccess;
    } else if (strcasecmp(w, "failure") == 0) {
      flags |= mail::kNotifyFailure;
    } else if (strcasecmp(w, "delay") == 0) {
      flags |= mail::kNotifyDelay;
    } else {
      util::msg_warn("unknown DSN NOTIFY command value \"" + word + "\" in \"" + value + "\"");
      return 0;
    }
  }
  // NEVER excludes the others.
  if ((flags & mail::kNotifyNever) && flags != mail::kNotifyNever) return 0;
  return flags;
}

constexpr const char* kOptString = ":B:C:F:GIL:N:R:UV:X:b:c:e:f:h:imno:p:q::r:tvx";

// One getopt pass. Postfix makes two (the first one looks for -C), which is
// why a bad option is reported twice; only the second one acts.
bool scan(int argc, char** argv, Options* opt) {
  optind = 0;  // 0: glibc re-initialises fully (a second pass needs it)
  opterr = 0;
  bool ok = true;
  int c;
  while ((c = getopt(argc, argv, kOptString)) != -1) {
    if (c == '?') {
      std::fprintf(stderr, "sendmail: invalid option -- '%c'\n", optopt);
      ok = false;
      continue;
    }
    if (c == ':') {
      std::fprintf(stderr, "sendmail: option requires an argument -- '%c'\n", optopt);
      ok = false;
      continue;
    }
    if (opt == nullptr) continue;
    std::string arg = optarg ? optarg : "";
    switch (c) {
      case 'B':
        // Case matters: Postfix rejects "8bitmime".
        if (arg == "8BITMIME") {
          opt->encoding = "8bit";
        } else if (arg == "7BIT") {
          opt->encoding = "7bit";
        } else {
          util::msg_fatal("-B option needs 8BITMIME or 7BIT");
        }
        break;
      case 'C':
      case 'c':
        opt->config_dir = arg;
        break;
      case 'F':
        opt->full_name = arg;
        break;
      case 'I':
        opt->mode = Mode::kNewAliases;
        break;
      case 'N': {
        int flags = parse_notify(arg);
        if (flags == 0) {
          util::msg_warn("bad -N option value -- ignored");
        } else {
          opt->notify_flags = flags;
        }
        break;
      }
      case 'R':
        if (strcasecmp(arg.c_str(), "full") == 0) {
          opt->ret_flags = 1;
        } else if (strcasecmp(arg.c_str(), "hdrs") == 0) {
          opt->ret_flags = 2;
        } else {
          util::msg_warn("bad -R option value -- ignored");
        }
        break;
      case 'V':
        opt->envelope_id = arg;
        break;
      case 'X':
        if (!arg.empty() && arg[0] == 'V') {
          opt->verp = true;
          if (arg.size() > 1) opt->verp_delims = arg.substr(1);
        }
        break;
      case 'b':
        if (arg == "m") {
          opt->mode = Mode::kDeliver;
        } else if (arg == "s") {
          opt->mode = Mode::kSmtp;
        } else if (arg == "p") {
          opt->mode = Mode::kQueueList;
        } else if (arg == "i") {
          opt->mode = Mode::kNewAliases;
        } else if (arg == "d") {
          opt->mode = Mode::kDaemon;
        } else if (arg == "h" || arg == "H") {
          opt->mode = Mode::kIgnore;
        } else {
          util::msg_fatal("unsupported: -b" + arg);
        }
        break;
      case 'f':
      case 'r':
        opt->sender = arg;
        break;
      case 'i':
        opt->dot_is_data = true;
        break;
      case 'o':
        if (arg == "i") opt->dot_is_data = true;  // -oi; -odb, -oem, -om ignored
        break;
      case 'q':
        if (arg.empty()) {
          opt->mode = Mode::kFlush;
        } else if (arg[0] == 'R') {
          if (arg.size() == 1) util::msg_fatal("specify: -qRsitename");
          opt->mode = Mode::kFlushSite;
          opt->flush_site = arg.substr(1);
        } else if (arg[0] == 'S') {
          util::msg_fatal("-qS is not implemented");
        }
        // -qINTERVAL: a daemon option with no meaning here.
        break;
      case 't':
        opt->extract = true;
        break;
      default:  // -G -L -U -e -h -m -n -p -v -x: accepted, ignored
        break;
    }
  }
  if (opt != nullptr) {
    for (int i = optind; i < argc; ++i) opt->recipients.emplace_back(argv[i]);
  }
  return ok;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options opt;
  for (int i = 0; i < argc; ++i) opt.raw_args.emplace_back(argv[i]);
  const char* slash = std::strrchr(argv[0], '/');
  std::string name = slash ? slash + 1 : argv[0];
  if (name == "mailq") opt.mode = Mode::kQueueList;
  if (name == "newaliases") opt.mode = Mode::kNewAliases;

  // The pre-2.3 "-V" VERP flag: "-V" followed by a two-character word.
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "-V" && args[i + 1].size() == 2) {
      util::msg_warn("option -V is deprecated with Postfix 2.3; specify -XV instead");
      args[i] = "-XV";
    }
  }
  std::vector<char*> av;
  for (auto& a : args) av.push_back(a.data());
  av.push_back(nullptr);

  bool ok = scan(argc, av.data(), nullptr);
  ok = scan(argc, av.data(), &opt) && ok;
  if (!ok) util::msg_fatal("usage: sendmail [options]");
  return opt;
}

}  // namespace sendmail
