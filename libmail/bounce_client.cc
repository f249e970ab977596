// Client side of the bounce/defer/trace services and the bytes of one log
// block (see bounce_client.h). The bounce daemon parses these blocks back
// with libmail/bounce_log.h, so the two must agree on every line.
#include "libmail/bounce_client.h"

#include <string>

#include "libmail/attr.h"
#include "libmail/service_client.h"
#include "libutil/strings.h"

namespace mail {

std::string format_bounce_log_entry(const BounceLogEntry& entry) {
  // The human-readable line comes first, as in Postfix; the name=value lines
  // that follow are what the daemon actually reads back.
  std::string out = "\n<" + entry.recipient + ">";
  bool expanded = !entry.orig_rcpt.empty() && !util::iequals(entry.orig_rcpt, entry.recipient);
  if (expanded) out += " (expanded from <" + entry.orig_rcpt + ">)";
  out += ": " + entry.reason + "\n";
  out += "recipient=" + entry.recipient + "\n";
  // orig_rcpt only when it says something the recipient line does not.
  if (expanded) out += "orig_rcpt=" + entry.orig_rcpt + "\n";
  if (entry.offset > 0)
    out += "offset=" + std::to_string(static_cast<long long>(entry.offset)) + "\n";
  if (!entry.dsn_orig_rcpt.empty()) out += "dsn_orig_rcpt=" + entry.dsn_orig_rcpt + "\n";
  if (entry.notify_flags != 0) out += "notify_flags=" + std::to_string(entry.notify_flags) + "\n";
  out += "status=" + entry.status + "\n";
  if (!entry.action.empty()) out += "action=" + entry.action + "\n";
  if (!entry.diag_type.empty()) out += "diag_type=" + entry.diag_type + "\n";
  if (!entry.diag_text.empty()) out += "diag_text=" + entry.diag_text + "\n";
  if (!entry.mta_type.empty()) out += "mta_type=" + entry.mta_type + "\n";
  if (!entry.mta_mname.empty()) out += "mta_mname=" + entry.mta_mname + "\n";
  out += "reason=" + entry.reason + "\n\n";
  return out;
}

namespace {

util::Result<void> bounce_request(const std::string& socket_path, const AttrList& request,
                                  std::chrono::seconds timeout) {
  auto stream = connect_service(socket_path, timeout);
  if (!stream) return std::unexpected(stream.error());
  auto reply = attr_request(*stream, request);
  if (!reply) return std::unexpected(reply.error());
  auto status = reply->get_int("status");
  if (!status) return std::unexpected(status.error());
  if (*status != 0) {
    return util::fail(socket_path + ": request " + request.get_string("request").value_or("?") +
                      " failed with status " + std::to_string(*status));
  }
  return {};
}

}  // namespace

AttrList notice_request(std::string_view request_name, const NoticeRequest& request) {
  AttrList attrs;
  attrs.add("request", std::string(request_name))
      .add("flags", request.flags)
      .add("queue_name", request.queue_name)
      .add("queue_id", request.queue_id)
      .add("encoding", request.encoding)
      .add("smtputf8", request.smtputf8)
      .add("sender", request.sender)
      .add("dsn_envid", request.dsn_envid)
      .add("dsn_ret", request.dsn_ret);
  return attrs;
}

namespace {

std::string text(const AttrList& req, std::string_view name) {
  return req.get_string(name).value_or("");
}
std::int64_t number(const AttrList& req, std::string_view name) {
  return req.get_int(name).value_or(0);
}

}  // namespace

BounceLogEntry parse_append_request(const AttrList& req) {
  BounceLogEntry e;
  e.recipient = text(req, "recipient");
  e.orig_rcpt = text(req, "orig_rcpt");
  e.offset = static_cast<off_t>(number(req, "offset"));
  e.dsn_orig_rcpt = text(req, "dsn_orig_rcpt");
  e.notify_flags = static_cast<int>(number(req, "notify_flags"));
  e.status = text(req, "status");
  e.action = text(req, "action");
  e.reason = text(req, "reason");
  e.diag_type = text(req, "diag_type");
  e.diag_text = text(req, "diag_text");
  e.mta_type = text(req, "mta_type");
  e.mta_mname = text(req, "mta_mname");
  return e;
}

NoticeRequest parse_notice_request(const AttrList& req) {
  NoticeRequest n;
  n.flags = static_cast<int>(number(req, "flags"));
  n.queue_name = text(req, "queue_name");
  n.queue_id = text(req, "queue_id");
  n.encoding = text(req, "encoding");
  n.smtputf8 = static_cast<int>(number(req, "smtputf8"));
  n.sender = text(req, "sender");
  n.dsn_envid = text(req, "dsn_envid");
  n.dsn_ret = static_cast<int>(number(req, "dsn_ret"));
  return n;
}

AttrList append_request(std::string_view queue_id, const BounceLogEntry& entry) {
  AttrList attrs;
  attrs.add("request", "append")
      .add("flags", 0)
      .add("queue_id", std::string(queue_id))
      .add("recipient", entry.recipient)
      .add("orig_rcpt", entry.orig_rcpt)
      .add("offset", static_cast<std::int64_t>(entry.offset))
      .add("dsn_orig_rcpt", entry.dsn_orig_rcpt)
      .add("notify_flags", entry.notify_flags)
      .add("status", entry.status)
      .add("action", entry.action)
      .add("reason", entry.reason)
      .add("diag_type", entry.diag_type)
      .add("diag_text", entry.diag_text)
      .add("mta_type", entry.mta_type)
      .add("mta_mname", entry.mta_mname);
  return attrs;
}

util::Result<void> bounce_append(const std::string& socket_path, std::string_view queue_id,
                                 const BounceLogEntry& entry, std::chrono::seconds timeout) {
  return bounce_request(socket_path, append_request(queue_id, entry), timeout);
}

util::Result<void> bounce_flush(const std::string& socket_path, const NoticeRequest& request,
                                std::chrono::seconds timeout) {
  return bounce_request(socket_path, notice_request("flush", request), timeout);
}

util::Result<void> bounce_warn(const std::string& socket_path, const NoticeRequest& request,
                               std::chrono::seconds timeout) {
  return bounce_request(socket_path, notice_request("warn", request), timeout);
}

util::Result<void> trace_flush(const std::string& socket_path, const NoticeRequest& request,
                               std::chrono::seconds timeout) {
  return bounce_request(socket_path, notice_request("trace_flush", request), timeout);
}

}  // namespace mail
