#include "spawn/spawn_service.h"

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "libmail/command_settings.h"
#include "libmail/single_server.h"
#include "libutil/child_process.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "spawn/spawn_attributes.h"

namespace spawn_agent {
namespace {

struct SpawnSettings {
  SpawnAttributes attr;
  std::chrono::seconds time_limit{1000};
  std::vector<std::string> environment;  // export_environment, "NAME=value"
};

SpawnSettings load_settings(const mail::Daemon& daemon) {
  const conf::Config& config = daemon.config;
  std::string owner = config.get("mail_owner");
  auto pw = util::lookup_user(owner);
  if (!pw || !*pw) util::msg_fatal("unknown mail_owner user: " + owner);
  auto attr = parse_spawn_attributes(daemon.options.args, {(*pw)->uid, (*pw)->gid});
  if (!attr) util::msg_fatal(attr.error().message);

  SpawnSettings s;
  s.attr = std::move(*attr);
  s.time_limit = mail::service_time_limit(config, daemon.options.service_name);
  s.environment = mail::exported_environment(config);
  return s;
}

void serve(util::Stream& client, const SpawnSettings& s) {
  util::SpawnOptions o;
  o.argv = s.attr.argv;
  o.env = s.environment;
  o.fds = {{client.fd(), 0}, {client.fd(), 1}, {client.fd(), 2}};
  o.uid = s.attr.uid;
  o.gid = s.attr.gid;
  o.new_process_group = true;  // a shell's children go with it at the time limit
  auto child = util::ChildProcess::spawn(o);
  if (!child) {
    util::msg_warn("command " + s.attr.argv.front() + ": " + child.error().message);
    return;
  }
  pid_t pid = child->pid();
  auto status = child->wait(s.time_limit);
  if (!status) {
    util::msg_warn(s.attr.argv.front() + ": process id " + std::to_string(pid) +
                   ": command time limit exceeded");
    child->kill(SIGKILL);
    status = child->wait(std::chrono::seconds(10));
    if (!status) return;  // the destructor kills and reaps it
  }
  if (status->exited() && status->code() != 0) {
    util::msg_warn("command " + s.attr.argv.front() + " exit status " +
                   std::to_string(status->code()));
  } else if (status->signaled()) {
    util::msg_warn("command " + s.attr.argv.front() + " killed by signal " +
                   std::to_string(status->signal()));
  }
}

}  // namespace

int run(int argc, char** argv) {
  std::optional<SpawnSettings> settings;
  mail::ServerHooks hooks;
  hooks.pre_jail = [&](mail::Daemon& daemon) { settings = load_settings(daemon); };
  mail::single_server_main(
      argc, argv, "spawn", [&](util::Stream& client, mail::Daemon&) { serve(client, *settings); },
      hooks);
}

}  // namespace spawn_agent
