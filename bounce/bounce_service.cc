// Request dispatch for the bounce/defer/trace services; see bounce_service.h.
#include "bounce/bounce_service.h"

#include <string>

#include "bounce/log_file.h"
#include "bounce/notice_sender.h"
#include "libmail/attr.h"
#include "libmail/bounce_client.h"
#include "libmail/multi_server.h"
#include "libmail/queue_id.h"
#include "libutil/log.h"

namespace bounce {

namespace {

// Requests are small; a peer sending more is broken or hostile.
mail::AttrLimits request_limits() {
  mail::AttrLimits limits;
  limits.max_value = 1024 * 1024;
  limits.max_count = 100;
  limits.max_depth = 1;
  return limits;
}

std::string text(const mail::AttrList& req, std::string_view name) {
  return req.get_string(name).value_or("");
}

// A queue name becomes a directory name: letters, digits, '_' and '-' only.
bool queue_name_ok(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

int handle(const mail::AttrList& req, const mail::Daemon& daemon) {
  const std::string& service = daemon.options.service_name;
  std::string request = text(req, "request");
  std::string queue_id = text(req, "queue_id");
  if (!mail::queue_id_ok(queue_id)) {
    util::msg_warn("malformed request: bad queue id \"" + queue_id + "\"");
    return -1;
  }
  if (request == "append") {
    mail::BounceLogEntry e = mail::parse_append_request(req);
    // A newline inside a value would forge attribute lines in the log.
    for (const std::string* v :
         {&e.recipient, &e.orig_rcpt, &e.dsn_orig_rcpt, &e.status, &e.action, &e.reason,
          &e.diag_type, &e.diag_text, &e.mta_type, &e.mta_mname}) {
      if (v->find('\n') != std::string::npos) {
        util::msg_warn(queue_id + ": malformed request: newline in a value");
        return -1;
      }
    }
    if (e.status.empty()) {
      util::msg_warn(queue_id + ": malformed request: missing status");
      return -1;
    }
    if (auto r = append_log_entry(log_path(daemon.config, service, queue_id), e); !r) {
      util::msg_warn(queue_id + ": " + r.error().message);
      return -1;
    }
    return 0;
  }
  NoticeRequestKind kind;
  if (request == "flush") {
    kind = NoticeRequestKind::kFlush;
  } else if (request == "warn") {
    kind = NoticeRequestKind::kWarn;
  } else if (request == "trace_flush") {
    kind = NoticeRequestKind::kTrace;
  } else {
    util::msg_warn("unknown command: \"" + request + "\"");
    return -1;
  }
  mail::NoticeRequest n = mail::parse_notice_request(req);
  if (!queue_name_ok(n.queue_name)) {
    util::msg_warn(queue_id + ": malformed request: bad queue name \"" + n.queue_name + "\"");
    return -1;
  }
  return send_notices(daemon, service, kind, n) ? 0 : 1;
}

bool serve(util::Stream& client, mail::Daemon& daemon) {
  auto req = mail::read_attrs(client, request_limits());
  if (!req) {
    if (req.error().kind != util::ErrorKind::kEof) {
      util::msg_warn("malformed request: " + req.error().message);
    }
    return false;
  }
  mail::AttrList reply;
  reply.add("status", handle(*req, daemon));
  (void)mail::write_attrs(client, reply);
  return false;  // one request per connection
}

}  // namespace

int run(int argc, char** argv) {
  mail::MultiHooks hooks;
  hooks.pre_jail = [](mail::Daemon& daemon) { load_templates(daemon.config); };
  mail::multi_server_main(argc, argv, "bounce", serve, hooks);
}

}  // namespace bounce
