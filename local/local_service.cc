#include "local/local_service.h"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "libmail/bounce_client.h"
#include "libmail/delivery_log.h"
#include "libmail/delivery_request.h"
#include "libmail/local_copy.h"
#include "libmail/local_expand.h"
#include "libmail/queue_file.h"
#include "libmail/resolve.h"
#include "libmail/service_client.h"
#include "libmail/single_server.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "libutil/strings.h"
#include "local/alias_tables.h"
#include "local/command_delivery.h"
#include "local/delivery_context.h"
#include "local/forward_delivery.h"
#include "local/forward_file.h"
#include "local/local_settings.h"
#include "local/mailbox_delivery.h"

namespace local {
namespace {

bool allowed(const std::vector<std::string>& list, mail::LocalSource source) {
  std::string_view name = mail::local_source_name(source);
  for (const auto& w : list)
    if (util::iequals(w, name)) return true;
  return false;
}

class LocalService {
 public:
  void init(mail::Daemon& daemon) {
    config_ = &daemon.config;
    settings_ = load_settings(daemon.config);
    aliases_.open(settings_.alias_maps, settings_.expand.default_privs);
    resolver_.emplace(daemon.config);
    hooks_.lookup_alias = [this](std::string_view name) { return aliases_.lookup(name); };
    hooks_.lookup_user = [](std::string_view name) { return util::lookup_user(std::string(name)); };
    hooks_.read_forward = [this](const util::UserInfo& user, std::string_view extension) {
      return read_forward_file(*config_, settings_.forward_path, user, extension);
    };
    hooks_.read_include = [](const std::string& path, const mail::LocalPrivs& privs,
                             mail::LocalPrivs& owner) {
      return read_include_file(path, privs, owner);
    };
    hooks_.is_local_domain = [this](std::string_view domain) { return is_local_domain(domain); };
    hooks_.warn = [](std::string_view text) { util::msg_warn(text); };
  }

  mail::DeliveryReply deliver(const mail::DeliveryRequest& request, mail::Daemon& daemon) {
    aliases_.refresh();
    double agent_start = mail::now_seconds();
    mail::DeliveryReply reply;
    auto file = mail::read_queue_file(request.queue_name + "/" + request.queue_id);
    if (!file) {
      util::msg_warn("read queue file " + request.queue_name + "/" + request.queue_id + ": " +
                     file.error().message);
      for (const auto& r : request.recipients) {
        mail::RecipientResult res;
        res.offset = r.offset;
        res.status = mail::DeliveryStatus::kDeferred;
        res.dsn = "4.3.0";
        res.action = "delayed";
        res.text = "error reading queue file: " + file.error().message;
        log(request, agent_start, r.address, r.orig_rcpt, res);
        reply.results.push_back(res);
      }
      return reply;
    }
    std::vector<std::string> lines = file->text_lines();
    for (const auto& rcpt : request.recipients)
      reply.results.push_back(deliver_recipient(request, rcpt, lines, agent_start, daemon));
    return reply;
  }

 private:
  // mydestination, our interface addresses, [ip] literals: the resolver's
  // local class, so aliases and qmgr agree on what is ours.
  bool is_local_domain(std::string_view domain) const { return resolver_->is_local_domain(domain); }

  void log(const mail::DeliveryRequest& request, double agent_start, std::string_view to,
           std::string_view orig_to, const mail::RecipientResult& result) const {
    mail::log_delivery(request, to, orig_to, "local", agent_start, result);
  }

  Outcome perform(const Delivery& d) {
    using K = mail::LocalActionKind;
    const mail::LocalAction& a = d.action;
    switch (a.kind) {
      case K::kBounce:
        return bounced(a.dsn, a.text);
      case K::kDefer:
        return deferred(a.dsn, a.text);
      case K::kDiscard:
        return sent(a.text);
      case K::kMailbox:
        return deliver_mailbox(d, *config_);
      case K::kFile:
        if (a.source != mail::LocalSource::kRecipient && !allowed(settings_.allow_files, a.source))
          return bounced("5.7.1", "mail to file is restricted");
        return deliver_file(d);
      case K::kCommand: {
        if (a.source != mail::LocalSource::kRecipient &&
            !allowed(settings_.allow_commands, a.source))
          return bounced("5.7.1", "mail to command is restricted");
        util::UserInfo who;
        if (a.user) {
          who = *a.user;
        } else if (auto pw = util::lookup_user(a.privs.uid); pw && *pw) {
          who = **pw;
        }
        return deliver_command(d, a.value, a.privs.uid, a.privs.gid, who);
      }
      case K::kForward:
        break;  // collected by the caller
    }
    return deferred("4.3.0", "internal error");
  }

  mail::RecipientResult deliver_recipient(const mail::DeliveryRequest& request,
                                          const mail::DeliveryRecipient& rcpt,
                                          const std::vector<std::string>& lines, double agent_start,
                                          mail::Daemon& daemon) {
    mail::RecipientResult result;
    auto finish = [&](const Outcome& o) { result = mail::recipient_result(rcpt, o); };

    // Delivered-To: for this very recipient means we have seen it before.
    if (mail::has_delivered_to(lines, rcpt.address)) {
      finish(bounced("5.4.6", "mail forwarding loop for " + rcpt.address));
      log(request, agent_start, rcpt.address, rcpt.orig_rcpt, result);
      return result;
    }

    auto actions =
        mail::expand_local_recipient(rcpt.address, request.sender, settings_.expand, hooks_);
    std::time_t start = std::time(nullptr);
    std::vector<Outcome> outcomes(actions.size());
    std::vector<std::size_t> forwards;
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (actions[i].kind == mail::LocalActionKind::kForward) {
        forwards.push_back(i);
        continue;
      }
      // Every member of an expansion carries the request's recipient in
      // Delivered-To (frozen_delivered_to; observed on Postfix 3.7.11: an
      // alias "team: root, nobody" gives both "Delivered-To: team@...").
      Delivery d{request, rcpt, lines, settings_, actions[i], start};
      if (request.flags & mail::kDeliverFlagVerify)
        outcomes[i] = actions[i].kind == mail::LocalActionKind::kBounce ||
                              actions[i].kind == mail::LocalActionKind::kDefer
                          ? perform(d)
                          : sent("delivers to mailbox");
      else
        outcomes[i] = perform(d);
    }
    if (!forwards.empty()) {
      std::vector<const mail::LocalAction*> targets;
      for (auto i : forwards) targets.push_back(&actions[i]);
      Outcome o = (request.flags & mail::kDeliverFlagVerify)
                      ? sent("delivers to forwarded address")
                      : forward_message(request, rcpt, lines, settings_, targets, daemon);
      for (auto i : forwards) outcomes[i] = o;
    }

    // One log line per final recipient.
    for (std::size_t i = 0; i < actions.size(); ++i) {
      mail::RecipientResult line;
      line.offset = rcpt.offset;
      line.status = outcomes[i].status;
      line.dsn = outcomes[i].dsn;
      line.text = outcomes[i].text;
      std::string to = actions[i].address;
      std::string orig = rcpt.orig_rcpt.empty() ? rcpt.address : rcpt.orig_rcpt;
      if (actions.size() == 1 && to == rcpt.address) orig = rcpt.orig_rcpt;
      log(request, agent_start, to, orig, line);
    }

    if (actions.size() == 1) {
      finish(outcomes[0]);
      return result;
    }
    for (const auto& o : outcomes)
      if (o.status == mail::DeliveryStatus::kDeferred) {
        finish(o);
        return result;
      }
    // Members that bounced go to the bounce log under their own address.
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (outcomes[i].status != mail::DeliveryStatus::kBounced) continue;
      mail::BounceLogEntry e;
      e.recipient = actions[i].address;
      e.orig_rcpt = rcpt.orig_rcpt.empty() ? rcpt.address : rcpt.orig_rcpt;
      e.offset = rcpt.offset;
      e.dsn_orig_rcpt = rcpt.dsn_orcpt;
      e.notify_flags = rcpt.dsn_notify;
      e.status = outcomes[i].dsn;
      e.action = "failed";
      e.reason = outcomes[i].text;
      auto appended = mail::bounce_append(mail::service_path("private", "bounce"), request.queue_id,
                                          e, daemon.ipc_timeout);
      if (!appended) {
        util::msg_warn("bounce append for " + e.recipient + ": " + appended.error().message);
        finish(deferred("4.3.0", "bounce or trace service failure"));
        return result;
      }
    }
    finish(sent(outcomes[0].text));
    return result;
  }

  const conf::Config* config_ = nullptr;
  Settings settings_;
  AliasTables aliases_;
  mail::LocalExpandHooks hooks_;
  std::optional<mail::Resolver> resolver_;
};

}  // namespace

int run(int argc, char** argv) {
  LocalService service;
  mail::ServerHooks hooks;
  hooks.pre_jail = [&](mail::Daemon& daemon) { service.init(daemon); };
  mail::single_server_main(
      argc, argv, "local",
      [&](util::Stream& client, mail::Daemon& daemon) {
        mail::serve_delivery_request(client, daemon,
                                     [&](const mail::DeliveryRequest& request, mail::Daemon& d) {
                                       return service.deliver(request, d);
                                     });
      },
      hooks);
}

}  // namespace local
