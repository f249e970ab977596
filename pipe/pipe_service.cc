#include "pipe/pipe_service.h"

#include <chrono>
#include <ctime>
#include <memory>

#include "libmail/command_settings.h"
#include "libmail/command_status.h"
#include "libmail/daemon_options.h"
#include "libmail/delivery_log.h"
#include "libmail/delivery_outcome.h"
#include "libmail/local_copy.h"
#include "libmail/queue_file.h"
#include "libutil/child_process.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "pipe/pipe_argv.h"

namespace pipe_agent {
namespace {

struct PipeSettings {
  std::string service;
  PipeAttributes attr;
  std::chrono::seconds time_limit{1000};
  std::vector<std::string> environment;  // export_environment, "NAME=value"
  std::string recipient_delimiter;
};

PipeSettings load_settings(const mail::Daemon& daemon) {
  const conf::Config& config = daemon.config;
  OwnerIds owner;
  owner.owner_name = config.get("mail_owner");
  auto pw = util::lookup_user(owner.owner_name);
  if (!pw || !*pw) util::msg_fatal("unknown mail_owner user: " + owner.owner_name);
  owner.owner_uid = (*pw)->uid;
  owner.owner_gid = (*pw)->gid;
  owner.setgid_group = config.get("setgid_group");
  if (auto gr = util::lookup_group(owner.setgid_group); gr && *gr) owner.setgid_gid = **gr;
  std::vector<std::string> warnings;
  auto attr = parse_pipe_attributes(daemon.options.args, owner, &warnings);
  for (const auto& w : warnings) util::msg_warn(w);
  if (!attr) util::msg_fatal(attr.error().message);

  PipeSettings s;
  s.service = daemon.options.service_name;
  s.attr = std::move(*attr);
  s.time_limit = mail::service_time_limit(config, s.service);
  s.environment = mail::exported_environment(config);
  s.recipient_delimiter = config.get("recipient_delimiter");
  return s;
}

using Outcome = mail::DeliveryOutcome;
using mail::deferred;

class PipeAgent {
 public:
  explicit PipeAgent(PipeSettings settings) : s_(std::move(settings)) {}

  mail::DeliveryReply deliver(const mail::DeliveryRequest& request) {
    double agent_start = mail::now_seconds();
    Outcome o = attempt(request);
    mail::DeliveryReply reply;
    for (const auto& rcpt : request.recipients) {
      auto r =
          mail::recipient_result(rcpt, o, s_.attr.flags.final_delivery ? "delivered" : "relayed");
      mail::log_delivery(request, rcpt.address, rcpt.orig_rcpt, s_.service, agent_start, r);
      reply.results.push_back(std::move(r));
    }
    return reply;
  }

 private:
  Outcome attempt(const mail::DeliveryRequest& request) {
    const PipeFlags& f = s_.attr.flags;
    if ((f.delivered_to || f.original_to) && request.recipients.size() > 1) {
      util::msg_warn(std::string("pipe flag `") + (f.delivered_to ? 'D' : 'O') + "' requires " +
                     s_.service + "_destination_recipient_limit = 1");
      return deferred("4.3.5", "mail system configuration error");
    }
    if (s_.attr.size_limit > 0 && request.data_size > s_.attr.size_limit)
      return mail::bounced("5.2.3", "message file too big");
    std::string path = request.queue_name + "/" + request.queue_id;
    auto file = mail::read_queue_file(path);
    if (!file) {
      util::msg_warn("read queue file " + path + ": " + file.error().message);
      return deferred("4.3.0", "error reading queue file: " + file.error().message);
    }
    ArgvContext ac{request, f, s_.attr.null_sender, s_.recipient_delimiter};
    auto argv = expand_pipe_argv(s_.attr.argv, ac);
    if (!argv) {
      util::msg_warn("file " + path + ": service " + s_.service + ": " + argv.error().message);
      return deferred("4.3.5", "mail system configuration error");
    }

    util::CommandOptions o;
    o.spawn.argv = *argv;
    o.spawn.env = s_.environment;
    o.spawn.uid = s_.attr.uid;
    o.spawn.gid = s_.attr.gid;
    o.spawn.cwd = s_.attr.directory;
    o.spawn.new_process_group = true;
    o.stdin_data = pipe_copy(s_.attr, request, file->text_lines(), std::time(nullptr));
    o.time_limit = s_.time_limit;
    auto result = util::run_command(o);
    if (!result) {
      util::msg_warn("command " + argv->front() + ": " + result.error().message);
      return deferred("4.3.0", "mail system configuration error");
    }
    Outcome st = mail::command_status(argv->front(), *result);
    if (st.status != mail::DeliveryStatus::kSent) return st;
    std::string output = mail::flatten_command_output(result->output);
    std::string text = "delivered via " + s_.service + " service";
    if (!output.empty()) text += " (" + output.substr(0, 100) + ")";
    return mail::sent(text);
  }

  PipeSettings s_;
};

}  // namespace

std::string pipe_copy(const PipeAttributes& attr, const mail::DeliveryRequest& request,
                      const std::vector<std::string>& lines, std::time_t when) {
  const PipeFlags& f = attr.flags;
  mail::MailCopyEnvelope env;
  env.sender = request.sender.empty() ? attr.null_sender : request.sender;
  if (!request.recipients.empty()) {
    const mail::DeliveryRecipient& r = request.recipients.front();
    env.orig_rcpt = r.orig_rcpt.empty() ? r.address : r.orig_rcpt;
    env.delivered = r.address;
  }
  env.when = when;
  mail::MailCopyFlags flags;
  flags.from_line = f.from_line;
  flags.quote_from = f.quote_from;
  flags.return_path = f.return_path;
  flags.orig_rcpt = f.original_to;
  flags.delivered = f.delivered_to;
  flags.blank_line = f.blank_line;
  std::string copy = mail::format_mail_copy(env, flags, lines);
  if (!f.dot_stuff && attr.eol == "\n") return copy;
  std::string out;
  out.reserve(copy.size() + copy.size() / 32);
  std::size_t start = 0;
  while (start < copy.size()) {
    std::size_t nl = copy.find('\n', start);
    std::size_t end = nl == std::string::npos ? copy.size() : nl;
    if (f.dot_stuff && start < copy.size() && copy[start] == '.') out += '.';
    out.append(copy, start, end - start);
    if (nl == std::string::npos) break;
    out += attr.eol;
    start = nl + 1;
  }
  return out;
}

int run(int argc, char** argv) {
  mail::delivery_agent_main(argc, argv, "pipe", [](mail::Daemon& daemon) {
    auto agent = std::make_shared<PipeAgent>(load_settings(daemon));
    return [agent](const mail::DeliveryRequest& request, mail::Daemon&) {
      return agent->deliver(request);
    };
  });
}

}  // namespace pipe_agent
