// sendmail's jobs: enqueue a message through `postdrop -r` (the records come
// from mail::MaildropWriter), and hand -bs (smtpd -S), -bp/-q/-bd/-bi to the
// programs that do them. Errors are "sendmail: fatal: SENDER(UID): ..." with exit 75.
// Easy to get wrong: the no-recipient check for -t runs after the whole
// message was streamed; dying then leaves postdrop an input without E, so
// it removes its file (the same protocol Postfix uses). postdrop's reply on
// stdout must carry "status" 0, otherwise the submission failed.
#include "tools/sendmail/submit.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/config_dir_check.h"
#include "libmail/maildrop_writer.h"
#include "libmail/postdrop_client.h"
#include "libmail/table_tool.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "libutil/privileges.h"

namespace sendmail {
namespace {

conf::Config load_config(const Options& opt) {
  if (!opt.config_dir.empty()) {
    mail::check_config_dir(opt.config_dir);
    // postdrop, postqueue and postfix must read the same main.cf.
    ::setenv("MAIL_CONFIG", opt.config_dir.c_str(), 1);
  }
  conf::LoadOptions lo;
  lo.config_dir = opt.config_dir;
  lo.warn = false;
  auto config = conf::Config::load(lo);
  if (!config) util::msg_fatal(config.error().message);
  return std::move(*config);
}

[[noreturn]] void exec_command(const conf::Config& config, const std::string& program,
                               const std::vector<std::string>& args,
                               const char* directory = "command_directory") {
  std::string path = config.get(directory) + "/" + program;
  // Daemons get their bare name as argv[0], as Postfix's sendmail gives it.
  std::vector<std::string> argv{directory == std::string("daemon_directory") ? program : path};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> av;
  for (auto& a : argv) av.push_back(a.data());
  av.push_back(nullptr);
  ::execv(path.c_str(), av.data());
  util::msg_fatal("execv " + path + ": " + std::strerror(errno));
}

// Postfix's full-name rule for the passwd entry: the GECOS field up to the
// first comma, with "&" standing for the login name, capitalised.
std::string gecos_name(const util::UserInfo& user) {
  std::string g = user.gecos.substr(0, user.gecos.find(','));
  std::string out;
  for (char c : g) {
    if (c == '&') {
      std::string login = user.name;
      if (!login.empty() && login[0] >= 'a' && login[0] <= 'z') login[0] = static_cast<char>(login[0] - 32);
      out += login;
    } else {
      out += c;
    }
  }
  return out;
}

int enqueue(const Options& opt, const conf::Config& config) {
  const uid_t uid = ::getuid();
  auto user = util::lookup_user(uid);
  if (!user || !*user) util::msg_fatal("no login name found for user ID " + std::to_string(uid));
  mail::SubmitEnvelope env;
  env.sender = (*user)->name;
  if (opt.sender) {
    // -f takes an address as in a header: "<>" is the null sender, "Name
    // <a@b>" is a@b; more than one address is malformed, the first counts.
    auto addrs = mail::parse_address_list(*opt.sender);
    if (addrs.size() > 1) util::msg_warn("-f option specified malformed sender: " + *opt.sender);
    env.sender = addrs.empty() ? "" : addrs[0];
  }
  const std::string who = env.sender + "(" + std::to_string(uid) + "): ";
  if (opt.full_name) {
    env.full_name = *opt.full_name;
  } else if (const char* name = std::getenv("NAME")) {
    env.full_name = name;
  } else {
    env.full_name = gecos_name(**user);
  }
  env.envelope_id = opt.envelope_id;
  env.ret_flags = opt.ret_flags;
  env.notify_flags = opt.notify_flags;
  env.encoding = opt.encoding;
  // Command-line recipients are address lists too ("a, b", "N <a@b>").
  for (const auto& r : opt.recipients)
    for (auto& a : mail::parse_address_list(r)) env.recipients.push_back(std::move(a));
  if (opt.verp) {
    if (env.sender.empty()) util::msg_fatal(who + "-V option requires non-null sender address");
    env.verp = opt.verp_delims.value_or(config.get("default_verp_delimiters"));
    const std::string filter = config.get("verp_delimiter_filter");
    if (env.verp->size() != 2 || filter.find((*env.verp)[0]) == std::string::npos ||
        filter.find((*env.verp)[1]) == std::string::npos)
      util::msg_fatal("-V requires two characters from " + filter);
  }
  if (!opt.extract && env.recipients.empty())
    util::msg_fatal(who + "Recipient addresses must be specified on the command line or via the -t option");

  mail::MessageOptions mo;
  mo.dot_ends = !opt.dot_is_data;
  mo.extract_recipients = opt.extract;
  mo.notify_flags = opt.notify_flags;
  mo.line_limit = static_cast<std::size_t>(config.get_int("line_length_limit"));
  mo.header_limit = static_cast<std::size_t>(config.get_int("header_size_limit"));
  mail::MaildropWriter writer(mo);

  // postdrop's stderr is ours; it names its file before we send anything.
  const std::string postdrop = config.get("command_directory") + "/postdrop";
  ::signal(SIGPIPE, SIG_IGN);  // a dead postdrop shows up as its status
  ::signal(SIGCHLD, SIG_DFL);  // an ignored SIGCHLD would hide postdrop's status
  std::optional<mail::PostdropClient> drop;
  if (auto d = mail::PostdropClient::open(postdrop, std::chrono::hours(1)); d) {
    drop.emplace(std::move(*d));
  } else {
    util::msg_fatal(who + d.error().message);
  }

  std::string records = mail::envelope_records(env);
  // After a failed write keep reading (the user's input is consumed) but
  // send nothing more; postdrop's verdict then says what went wrong.
  bool pipe_ok = true;
  auto send = [&] {
    if (pipe_ok && !drop->write_framed(records)) pipe_ok = false;
    records.clear();
  };
  send();
  std::vector<char> buf(65536);
  while (!writer.ended()) {
    ssize_t n = util::os::read(0, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) util::msg_fatal(who + "error reading input: " + std::strerror(errno));
    if (n == 0) break;
    writer.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), records);
    if (records.size() >= 65536) send();
  }
  writer.finish(records);
  if (opt.extract && env.recipients.empty() && writer.extracted().empty()) {
    // Without E postdrop drops its file; the client waits until it is gone.
    drop.reset();
    util::msg_fatal(who + "No recipient addresses found in message header");
  }
  send();
  // postdrop refused what we sent or could not store it.
  if (!drop->finish() || !pipe_ok) {
    util::msg_warn("mail_stream_cleanup: close error");
    util::msg_fatal(who + "queue file write error");
  }
  return 0;
}

}  // namespace

int run(const Options& opt) {
  if (opt.mode == Mode::kNewAliases) {
    std::vector<std::string> args{"newaliases"};
    if (!opt.config_dir.empty()) args.insert(args.end(), {"-C", opt.config_dir});
    std::vector<char*> av;
    for (auto& a : args) av.push_back(a.data());
    av.push_back(nullptr);
    return mail::newaliases_main(static_cast<int>(args.size()), av.data());
  }
  if (opt.mode == Mode::kIgnore) return 0;
  conf::Config config = load_config(opt);
  switch (opt.mode) {
    case Mode::kQueueList:
      exec_command(config, "postqueue", {"-p"});
    case Mode::kFlush:
      exec_command(config, "postqueue", {"-f"});
    case Mode::kFlushSite:
      exec_command(config, "postqueue", {"-s", opt.flush_site});
    case Mode::kDaemon:
      exec_command(config, "postfix", {"start"});
    case Mode::kSmtp:
      // SMTP on stdin/stdout: smtpd's stand-alone mode, as the invoking
      // user; it queues through postdrop. -f and recipients do not apply.
      exec_command(config, "smtpd", {"-S"}, "daemon_directory");
    default:
      break;
  }
  return enqueue(opt, config);
}

}  // namespace sendmail
