#include "libmail/daemon_options.h"

#include <unistd.h>

#include <cstdlib>

#include "libmail/mail_log.h"
#include "libutil/log.h"
#include "libutil/privileges.h"

namespace mail {

util::Result<DaemonOptions> parse_daemon_options(const std::vector<std::string>& args,
                                                 std::string_view program) {
  DaemonOptions opts;
  opts.service_name = std::string(program);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {  // getopt stops here too
      opts.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    // Flags may be bundled ("-uc") as getopt allows; -n/-t/-o take a value,
    // attached ("-nfoo") or as the next word.
    for (size_t j = 1; j < arg.size(); ++j) {
      char c = arg[j];
      auto value = [&]() -> util::Result<std::string> {
        if (j + 1 < arg.size()) {
          std::string v = arg.substr(j + 1);
          j = arg.size();
          return v;
        }
        if (i + 1 >= args.size())
          return util::fail(std::string("option requires an argument -- '") + c + "'");
        j = arg.size();
        return args[++i];
      };
      switch (c) {
        case 'c':
          opts.chroot = true;
          break;
        case 'u':
          opts.unprivileged = true;
          break;
        case 'l':
          opts.single_process = true;
          break;
        case 'z':
          opts.unlimited = true;
          break;
        case 'v':
          ++opts.verbose;
          break;
        case 'D':
          opts.debug = true;
          break;
        case 'S':
          opts.stand_alone = true;
          break;
        case 'd':
        case 'i':
          break;  // foreground: no effect here
        case 'n': {
          auto v = value();
          if (!v) return std::unexpected(v.error());
          opts.service_name = *v;
          break;
        }
        case 't': {
          auto v = value();
          if (!v) return std::unexpected(v.error());
          opts.service_type = *v;
          break;
        }
        case 'o': {
          auto v = value();
          if (!v) return std::unexpected(v.error());
          auto eq = v->find('=');
          if (eq == std::string::npos || eq == 0)
            return util::fail("invalid \"-o\" option value: \"" + *v + "\"");
          std::string name = v->substr(0, eq);
          // master.cf writes "name = value" inside braces; trim around '='.
          while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
          size_t start = eq + 1;
          while (start < v->size() && ((*v)[start] == ' ' || (*v)[start] == '\t')) ++start;
          opts.overrides.emplace_back(name, v->substr(start));
          break;
        }
        default:
          return util::fail(std::string("invalid option -- '") + c + "'");
      }
    }
  }
  return opts;
}

Daemon daemon_init(int argc, char** argv, std::string_view program) {
  util::set_program_name(program);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = parse_daemon_options(args, program);
  if (!opts) util::msg_fatal(opts.error().message);

  conf::LoadOptions load;
  if (const char* dir = std::getenv("MAIL_CONFIG"); dir && *dir) load.config_dir = dir;
  load.require_main_cf = false;
  load.warn = false;
  auto quiet = conf::Config::load(load);
  if (!quiet) util::msg_fatal(quiet.error().message);

  Daemon d;
  d.program = std::string(program);
  d.options = std::move(*opts);
  auto apply = [&](conf::Config& config) {
    for (const auto& [name, value] : d.options.overrides) config.set_override(name, value);
    config.set_override("service_name", d.options.service_name);
  };
  // The log sink needs syslog_name (which may say $service_name), so it is
  // set up from a quiet first read; the second read then logs main.cf
  // warnings ("overriding earlier entry") where Postfix daemons log them.
  apply(*quiet);
  MailLogOptions log;
  // Under master stderr is /dev/null; run by hand, the person sees it.
  // Stand-alone (sendmail -bs), as Postfix's, it logs only to the mail log.
  log.to_stderr = !d.options.stand_alone;
  mail_log_init(*quiet, program, log);
  load.warn = true;
  auto config = conf::Config::load(load);
  if (!config) util::msg_fatal(config.error().message);
  d.config = std::move(*config);
  apply(d.config);
  mail_log_init(d.config, program, log);

  d.max_idle = std::chrono::seconds(d.config.get_time("max_idle"));
  d.max_use = d.config.get_int("max_use");
  d.ipc_timeout = std::chrono::seconds(d.config.get_time("ipc_timeout"));
  d.daemon_timeout = std::chrono::seconds(d.config.get_time("daemon_timeout"));
  return d;
}

void daemon_enter_jail(const Daemon& d) {
  std::string queue_dir = d.config.get("queue_directory");
  if (::chdir(queue_dir.c_str()) < 0)
    util::msg_fatal("chdir(\"" + queue_dir + "\"): " + std::strerror(errno));
  mail_log_connect();

  std::optional<util::UserInfo> owner;
  if (d.options.unprivileged) {
    std::string name = d.config.get("mail_owner");
    auto user = util::lookup_user(name);
    if (!user) util::msg_fatal(user.error().message);
    if (!*user) util::msg_fatal("unknown mail_owner user: " + name);
    if ((*user)->uid == 0) util::msg_fatal("mail_owner " + name + " has the same user ID as root");
    owner = **user;
  }
  if (d.options.chroot) {
    if (auto r = util::chroot_to(queue_dir); !r) util::msg_fatal(r.error().message);
  }
  if (owner) {
    if (auto r = util::set_ugid(owner->uid, owner->gid); !r) util::msg_fatal(r.error().message);
  }
}

}  // namespace mail
