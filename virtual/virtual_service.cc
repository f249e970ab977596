#include "virtual/virtual_service.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <memory>
#include <optional>

#include "libmail/cleanup_addr_map.h"
#include "libmail/daemon_options.h"
#include "libmail/delivery_log.h"
#include "libmail/delivery_outcome.h"
#include "libmail/local_copy.h"
#include "libmail/maildir_file.h"
#include "libmail/mbox_file.h"
#include "libmail/queue_file.h"
#include "libutil/dict.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "libutil/strings.h"

namespace virtual_agent {
namespace {

using Outcome = mail::DeliveryOutcome;
using mail::bounced;
using mail::deferred;
using mail::sent;

Outcome configuration_error() { return deferred("4.3.5", "mail system configuration error"); }

mail::DictList open_tables(const conf::Config& config, const std::string& parameter) {
  mail::DictList tables;
  for (const auto& name : config.get_list(parameter)) {
    auto dict = util::dict_open(name);
    if (!dict) util::msg_fatal(parameter + ": " + dict.error().message);
    tables.push_back(std::move(*dict));
  }
  return tables;
}

class VirtualAgent {
 public:
  explicit VirtualAgent(const conf::Config& config) {
    base_ = config.get("virtual_mailbox_base");
    if (!base_.empty() && base_.front() != '/')
      util::msg_fatal("do not specify relative pathname: virtual_mailbox_base = " + base_);
    maps_.recipient_delimiter = config.get("recipient_delimiter");
    maps_.is_local_domain = [](std::string_view) { return false; };
    mailboxes_ = open_tables(config, "virtual_mailbox_maps");
    uids_ = open_tables(config, "virtual_uid_maps");
    gids_ = open_tables(config, "virtual_gid_maps");
    minimum_uid_ = config.get_int("virtual_minimum_uid");
    locking_ = mail::load_mbox_locking(config, "virtual_mailbox_lock", "virtual_mailbox_limit");
    original_recipient_ = config.get_bool("enable_original_recipient");
  }

  mail::DeliveryReply deliver(const mail::DeliveryRequest& request) {
    double agent_start = mail::now_seconds();
    std::time_t start = std::time(nullptr);
    mail::DeliveryReply reply;
    auto file = mail::read_queue_file(request.queue_name + "/" + request.queue_id);
    std::vector<std::string> lines;
    if (file) lines = file->text_lines();
    for (const auto& rcpt : request.recipients) {
      Outcome o = file ? deliver_one(request, rcpt, lines, start)
                       : deferred("4.3.0", "error reading queue file: " + file.error().message);
      mail::RecipientResult r = mail::recipient_result(rcpt, o);
      mail::log_delivery(request, rcpt.address, rcpt.orig_rcpt, "virtual", agent_start, r);
      reply.results.push_back(std::move(r));
    }
    return reply;
  }

 private:
  // A uid or gid from its maps: nullopt (with Postfix's warning) when it is
  // missing, not a number, or (uid) below virtual_minimum_uid.
  std::optional<unsigned> id_for(const std::string& rcpt, const mail::DictList& tables,
                                 const std::string& parameter, bool is_uid) {
    auto found = mail::address_map_lookup(maps_, tables, rcpt, false);
    if (!found) {
      util::msg_warn(found.error().message);
      return std::nullopt;
    }
    if (!*found) {
      util::msg_warn("recipient " + rcpt + ": not found in " + parameter);
      return std::nullopt;
    }
    const std::string& text = **found;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bool bad = ec != std::errc() || end != text.data() + text.size() || text.empty() ||
               (is_uid && static_cast<long>(value) < minimum_uid_);
    if (bad) {
      util::msg_warn("recipient " + rcpt + ": bad " + (is_uid ? "uid " : "gid ") + text + " in " +
                     parameter);
      return std::nullopt;
    }
    return value;
  }

  Outcome deliver_one(const mail::DeliveryRequest& request, const mail::DeliveryRecipient& rcpt,
                      const std::vector<std::string>& lines, std::time_t start) {
    if (mail::has_delivered_to(lines, rcpt.address))
      return bounced("5.4.6", "mail forwarding loop for " + rcpt.address);
    std::string address = util::lowercase(rcpt.address);
    auto mailbox = mail::address_map_lookup(maps_, mailboxes_, address, false);
    if (!mailbox) {
      util::msg_warn(mailbox.error().message);
      return deferred("4.3.0", "mail system configuration error");
    }
    if (!*mailbox) return bounced("5.1.1", "unknown user: \"" + address + "\"");
    auto uid = id_for(address, uids_, "virtual_uid_maps", true);
    auto gid = id_for(address, gids_, "virtual_gid_maps", false);
    if (!uid || !gid) return configuration_error();

    mail::MailCopyEnvelope env;
    env.sender = request.sender;
    env.orig_rcpt = rcpt.orig_rcpt.empty() ? rcpt.address : rcpt.orig_rcpt;
    env.delivered = rcpt.address;
    env.when = start;
    std::string path = base_ + "/" + **mailbox;
    bool maildir = path.ends_with('/');
    mail::MailCopyFlags flags = maildir ? mail::maildir_copy_flags() : mail::mbox_copy_flags();
    if (!original_recipient_) flags.orig_rcpt = false;
    std::string copy = mail::format_mail_copy(env, flags, lines);

    // The whole write runs as the mailbox's owner.
    auto as_user = util::EffectiveIds::switch_to(*uid, *gid);
    if (!as_user) return deferred("4.3.0", "cannot set privileges: " + as_user.error().message);
    if (maildir) {
      auto done = mail::deliver_maildir(path, copy, *uid, *gid);
      if (!done) return mail::mailbox_write_failure(done.error(), "maildir delivery failed: ");
      return sent("delivered to maildir");
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      util::msg_warn("recipient " + rcpt.address + ": destination " + path +
                     " is not a regular file");
      return configuration_error();
    }
    mail::MboxOptions options;
    options.owner = *uid;
    options.group = *gid;
    auto done = mail::append_mbox(path, copy, locking_, options);
    if (!done)
      return mail::mailbox_write_failure(done.error(), "cannot update mailbox " + path + ". ");
    return sent("delivered to mailbox");
  }

  std::string base_;
  mail::AddressMaps maps_;
  mail::DictList mailboxes_, uids_, gids_;
  long minimum_uid_ = 100;
  mail::MboxLocking locking_;
  bool original_recipient_ = true;
};

}  // namespace

int run(int argc, char** argv) {
  mail::delivery_agent_main(argc, argv, "virtual", [](mail::Daemon& daemon) {
    auto agent = std::make_shared<VirtualAgent>(daemon.config);
    return [agent](const mail::DeliveryRequest& request, mail::Daemon&) {
      return agent->deliver(request);
    };
  });
}

}  // namespace virtual_agent
