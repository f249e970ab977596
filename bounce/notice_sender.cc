// Notice routing and submission; see notice_sender.h.
#include "bounce/notice_sender.h"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "bounce/log_file.h"
#include "libconf/config.h"
#include "libmail/bounce_log.h"
#include "libmail/bounce_notice.h"
#include "libmail/bounce_template.h"
#include "libmail/cleanup_client.h"
#include "libmail/delivery_request.h"
#include "libmail/mail_date.h"
#include "libmail/queue_file.h"
#include "libmail/queue_id.h"
#include "libmail/record.h"
#include "libmail/service_client.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "libutil/strings.h"

namespace bounce {

namespace {

// Per-process configuration: the templates in NoticeKind order, read at start.
std::vector<mail::BounceTemplate>& templates() {
  static std::vector<mail::BounceTemplate> loaded;
  if (loaded.empty()) {
    for (auto kind : {mail::NoticeKind::kFailure, mail::NoticeKind::kDelay,
                      mail::NoticeKind::kSuccess, mail::NoticeKind::kVerify}) {
      loaded.push_back(mail::builtin_bounce_template(kind));
    }
  }
  return loaded;
}
std::string& template_origin() {
  static std::string origin = "[built-in]";
  return origin;
}

// One notice to send: to whom, from which envelope sender, and how.
struct Delivery {
  std::string envelope_sender;  // "" or double_bounce_sender
  std::string recipient;
  bool postmaster = false;      // Postmaster-Subject; what the log line says
  bool headers_only = false;
  std::vector<mail::BounceLogEntry> entries;
};

bool has_class(const conf::Config& config, std::string_view klass) {
  for (const auto& c : config.try_get_list("notify_classes").value_or(std::vector<std::string>{})) {
    if (util::iequals(c, klass)) return true;
  }
  return false;
}

std::vector<mail::BounceLogEntry> wanted(const std::vector<mail::BounceLogEntry>& entries,
                                         int notify_bit) {
  std::vector<mail::BounceLogEntry> out;
  for (const auto& e : entries) {
    if (notify_bit == 0 || e.notify_flags == 0 || (e.notify_flags & notify_bit) != 0) {
      out.push_back(e);
    }
  }
  return out;
}

std::string log_words(mail::NoticeKind kind) {
  switch (kind) {
    case mail::NoticeKind::kFailure:
      return "non-delivery notification";
    case mail::NoticeKind::kDelay:
      return "delay notification";
    case mail::NoticeKind::kSuccess:
    case mail::NoticeKind::kVerify:
      break;
  }
  return "delivery status notification";
}

util::Result<void> submit(const mail::Daemon& daemon, mail::NoticeInput input,
                          const Delivery& d) {
  const conf::Config& config = daemon.config;
  std::string socket = mail::service_path("public", config.get("cleanup_service_name"));
  auto client = mail::CleanupClient::open(socket, mail::kCleanupFlagMaskInternal,
                                          daemon.ipc_timeout);
  if (!client) return util::fail("connect to " + socket + ": " + client.error().message);
  input.new_queue_id = client->queue_id();
  input.to = d.recipient;
  input.headers_only = d.headers_only;
  input.entries = d.entries;
  const auto& tmpl = templates()[static_cast<std::size_t>(input.kind)];
  input.subject = d.postmaster && !tmpl.postmaster_subject.empty() ? tmpl.postmaster_subject
                                                                   : tmpl.subject;
  bool builtin = tmpl.text == mail::builtin_bounce_template(input.kind).text;
  input.text = mail::expand_template_text(tmpl, config, builtin ? "[built-in]" : template_origin());

  struct timeval tv {};
  ::gettimeofday(&tv, nullptr);
  std::string records;
  mail::append_record(records, mail::rec::kTime,
                      std::to_string(tv.tv_sec) + " " + std::to_string(tv.tv_usec));
  mail::append_record(records, mail::rec::kFrom, d.envelope_sender);
  mail::append_record(records, mail::rec::kRcpt, d.recipient);
  mail::append_record(records, mail::rec::kMessage, "");
  auto limit = static_cast<std::size_t>(config.try_get_int("line_length_limit").value_or(2048));
  for (const auto& line : mail::compose_notice(input)) {
    mail::append_text_line(records, line, limit > 0 ? limit : mail::kLineLengthLimit);
  }
  mail::append_record(records, mail::rec::kExtract, "");
  mail::append_record(records, mail::rec::kEnd, "");
  if (auto w = client->write_framed(records); !w) return w;
  auto reply = client->finish();
  if (!reply) return std::unexpected(reply.error());
  if (reply->status != mail::kCleanupStatOk) {
    return util::fail("cleanup: " + mail::cleanup_status_text(reply->status));
  }
  util::msg_info(input.queue_id + ": " + (d.postmaster ? "postmaster " : "sender ") +
                 log_words(input.kind) + ": " + client->queue_id());
  return {};
}

}  // namespace

void load_templates(const conf::Config& config) {
  std::string file = config.try_get("bounce_template_file").value_or("");
  if (file.empty()) return;
  auto read = mail::read_bounce_templates(file);
  if (!read) util::msg_fatal(read.error().message);
  templates() = std::move(*read);
  template_origin() = file;
}

util::Result<void> send_notices(const mail::Daemon& daemon, std::string_view service,
                                NoticeRequestKind kind, const mail::NoticeRequest& request) {
  const conf::Config& config = daemon.config;
  std::string path = log_path(config, service, request.queue_id);
  auto log = mail::read_bounce_log(path);
  if (!log) {
    if (log.error().sys_errno == ENOENT) return {};  // nothing was logged: nothing to say
    return std::unexpected(log.error());
  }
  for (const auto& w : log->warnings) util::msg_warn(w);

  mail::NoticeInput input;
  switch (kind) {
    case NoticeRequestKind::kFlush:
      input.kind = mail::NoticeKind::kFailure;
      // A defer log flushed at the end of the queue lifetime reports failures.
      for (auto& e : log->entries) e.action = "failed";
      break;
    case NoticeRequestKind::kWarn:
      input.kind = mail::NoticeKind::kDelay;
      break;
    case NoticeRequestKind::kTrace:
      input.kind = (request.flags & (mail::kDeliverFlagVerify | mail::kDeliverFlagRecord)) != 0
                       ? mail::NoticeKind::kVerify
                       : mail::NoticeKind::kSuccess;
      break;
  }

  // Who gets what.
  std::vector<Delivery> deliveries;
  // Postern's own double-bounce address is qualified with $myhostname, as
  // Postfix's; a bare local part (from an older queue) counts too.
  std::string double_bounce_local = config.get("double_bounce_sender");
  std::string double_bounce = double_bounce_local + "@" + config.get("myhostname");
  bool is_double_bounce = util::iequals(request.sender, double_bounce_local) ||
                          util::iequals(request.sender, double_bounce);
  if (is_double_bounce) {
    util::msg_warn(request.queue_id + ": undeliverable postmaster notification discarded");
  } else if (kind == NoticeRequestKind::kFlush) {
    if (request.sender.empty()) {
      if (has_class(config, "bounce") || has_class(config, "2bounce")) {
        deliveries.push_back({double_bounce, config.get("2bounce_notice_recipient"), true, false,
                              log->entries});
      }
    } else {
      auto mine = wanted(log->entries, mail::kDsnNotifyFailure);
      if (!mine.empty()) deliveries.push_back({"", request.sender, false, false, mine});
      if (has_class(config, "bounce")) {
        deliveries.push_back({double_bounce, config.get("bounce_notice_recipient"), true, true,
                              log->entries});
      }
    }
  } else if (kind == NoticeRequestKind::kWarn) {
    if (!request.sender.empty()) {
      auto mine = wanted(log->entries, mail::kDsnNotifyDelay);
      if (!mine.empty()) deliveries.push_back({"", request.sender, false, true, mine});
    }
    if (has_class(config, "delay")) {
      deliveries.push_back({double_bounce, config.get("delay_notice_recipient"), true, true,
                            log->entries});
    }
  } else if (!request.sender.empty()) {
    deliveries.push_back({"", request.sender, false, true, log->entries});
  }

  if (!deliveries.empty()) {
    std::string qpath = log_path(config, request.queue_name, request.queue_id);
    auto original = mail::read_queue_file(qpath);
    if (!original) {
      util::msg_warn(request.queue_id + ": " + original.error().message);
      return std::unexpected(original.error());
    }
    std::time_t now = std::time(nullptr);
    std::time_t arrival = original->arrival_time() ? original->arrival_time()->first : now;
    input.myhostname = config.get("myhostname");
    input.mail_name = config.get("mail_name");
    input.queue_id = request.queue_id;
    input.sender = request.sender;
    input.dsn_envid = request.dsn_envid;
    input.dsn_ret = request.dsn_ret;
    input.bounce_size_limit = config.try_get_int("bounce_size_limit").value_or(50000);
    input.now = now;
    input.now_date = mail::mail_date(now);
    input.arrival_date = mail::mail_date(arrival);
    input.retry_until_date =
        mail::mail_date(arrival + config.try_get_time("maximal_queue_lifetime").value_or(432000));
    input.original = original->text_lines();
    for (const auto& d : deliveries) {
      if (auto sent = submit(daemon, input, d); !sent) {
        util::msg_warn(request.queue_id + ": cannot send " + log_words(input.kind) + ": " +
                       sent.error().message);
        return sent;
      }
    }
  }
  if (kind != NoticeRequestKind::kWarn && util::os::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return util::fail_errno("remove " + path);
  }
  return {};
}

}  // namespace bounce
