#include "local/command_delivery.h"

#include <unistd.h>

#include <cstdlib>

#include "libutil/child_process.h"

namespace local {
namespace {

struct SysExit {
  int code;
  const char* dsn;
  const char* text;
};
// sysexits.h codes with the DSN and words Postfix reports for them.
constexpr SysExit kSysExits[] = {
    {64, "5.3.0", "command line usage error"}, {65, "5.6.0", "data format error"},
    {66, "5.3.0", "cannot open input"},        {67, "5.1.1", "user unknown"},
    {68, "5.1.2", "host name unknown"},        {69, "5.3.0", "service unavailable"},
    {70, "5.3.0", "internal software error"},  {71, "4.3.0", "system resource problem"},
    {72, "5.3.0", "critical OS file missing"}, {73, "5.2.0", "can't create user output file"},
    {74, "5.3.0", "input/output error"},       {75, "4.3.0", "temporary failure"},
    {76, "5.5.0", "remote error in protocol"}, {77, "5.7.0", "permission denied"},
    {78, "5.3.5", "local configuration error"},
};

std::string flatten(std::string output) {
  for (char& c : output)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!output.empty() && output.back() == ' ') output.pop_back();
  return output;
}

}  // namespace

Outcome command_outcome(const std::string& command, const util::CommandResult& result) {
  std::string output = flatten(result.output);
  std::string suffix = output.empty() ? "" : ". Command output: " + output;
  if (result.timed_out) return bounced("5.3.0", "Command time limit exceeded: \"" + command + "\"" + suffix);
  if (result.status.signaled())
    return bounced("5.3.0", "Command died with signal " + std::to_string(result.status.signal()) +
                                ": \"" + command + "\"" + suffix);
  int code = result.status.code();
  if (code == 0) return sent("delivered to command: " + command);
  for (const auto& e : kSysExits) {
    if (e.code != code) continue;
    std::string text = e.text + suffix;
    return e.dsn[0] == '4' ? deferred(e.dsn, text) : bounced(e.dsn, text);
  }
  return bounced("5.3.0", "Command died with status " + std::to_string(code) + ": \"" + command +
                              "\"" + suffix);
}

Outcome deliver_command(const Delivery& d, const std::string& command, uid_t uid, gid_t gid,
                        const util::UserInfo& user) {
  mail::MailCopyFlags flags;
  flags.from_line = flags.return_path = flags.orig_rcpt = true;
  flags.delivered = d.settings.prepend_delivered_command;

  util::CommandOptions o;
  o.spawn.argv = {"/bin/sh", "-c", command};
  std::vector<std::string> env{
      "HOME=" + user.home,         "USER=" + user.name,
      "SHELL=" + user.shell,       "LOGNAME=" + user.name,
      "PATH=/usr/bin:/bin",        "LOCAL=" + d.action.local,
      "DOMAIN=" + d.action.domain, "RECIPIENT=" + d.action.address,
      "SENDER=" + d.action.sender,
      "ORIGINAL_RECIPIENT=" + (d.recipient.orig_rcpt.empty() ? d.recipient.address
                                                             : d.recipient.orig_rcpt)};
  if (!d.action.extension.empty()) env.push_back("EXTENSION=" + d.action.extension);
  for (const auto& name : d.settings.export_environment)
    if (const char* v = std::getenv(name.c_str())) env.push_back(name + "=" + v);
  o.spawn.env = env;
  o.spawn.uid = uid;
  o.spawn.gid = gid;
  o.spawn.new_process_group = true;
  // The home directory when it is there, else "/", as a login would.
  o.spawn.cwd = (!user.home.empty() && ::access(user.home.c_str(), X_OK) == 0) ? user.home : "/";
  o.stdin_data = d.copy(flags);
  o.time_limit = d.settings.command_time_limit;
  auto result = util::run_command(o);
  if (!result) return deferred("4.3.0", "mail system configuration error: " + result.error().message);
  return command_outcome(command, *result);
}

}  // namespace local
