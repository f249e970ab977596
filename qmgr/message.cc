// Reading a queue file from active/ into a Message, the "(queue active)" log
// line, and routing: resolve each recipient not yet done, group per
// (transport, nexthop), cut into requests at the transport's recipient limit.
// Easy to get wrong: nrcpt counts only recipients not yet done (a deferred
// file with one of two recipients delivered logs nrcpt=1), and a content
// filter (L record outside the content) overrides every recipient's route.
#include <fcntl.h>

#include <cstdlib>
#include <string>

#include "libmail/delivery_log.h"
#include "libmail/record.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "qmgr/qmgr.h"

namespace qmgr {
namespace {

long to_long(const std::optional<std::string>& text, long fallback = 0) {
  if (!text || text->empty()) return fallback;
  char* end = nullptr;
  long v = std::strtol(text->c_str(), &end, 10);
  return end && *end == '\0' ? v : fallback;
}

// The L (content filter) and > (redirect) records, wherever outside the
// content they were put.
std::optional<std::string> find_record(const mail::QueueFile& file, char type) {
  for (const auto* seg : {&file.envelope, &file.extracted})
    for (const mail::Record& r : *seg)
      if (r.type == type) return r.data;
  return std::nullopt;
}

// Postfix judges the C record before reading on: a file that starts with a
// size record it cannot use is "weird size record", any other broken record
// stream "missing end record" (both observed on Postfix 3.7.11).
bool weird_size_record(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDONLY));
  if (!fd) return false;
  mail::RecordReader reader(fd.get(), 1024);
  if (reader.peek() != mail::rec::kSize) return false;
  auto first = reader.next();
  return !first || !*first || !mail::parse_size_record((*first)->data);
}

}  // namespace

void QueueManager::load(const std::string& id) {
  std::string path = hashed("active", id);
  auto file = mail::read_queue_file(path);
  if (!file) return save_corrupt(id, weird_size_record(path) ? "weird size record" : "missing end record");
  auto size = file->size();
  if (!size) return save_corrupt(id, "weird size record");
  auto sender = file->sender();
  if (!sender) return save_corrupt(id, "missing sender record");
  auto arrival = file->arrival_time();
  if (!arrival) return save_corrupt(id, "missing arrival time record");

  Message msg;
  msg.id = id;
  msg.path = path;
  msg.sender = *sender;
  msg.size = size->content_size;
  msg.data_offset = size->data_offset;
  msg.smtputf8 = size->smtputf8;
  msg.arrival = static_cast<double>(arrival->first) + static_cast<double>(arrival->second) / 1e6;
  msg.active_time = mail::now_seconds();
  msg.create_time = to_long(file->attribute("create_time"), arrival->first);
  for (const mail::Record& r : file->envelope)
    if (r.type == mail::rec::kWarn) {
      msg.warn_time = to_long(r.data);  // "%15ld": strtol skips the padding
      msg.warn_offset = r.offset;
    }

  mail::DeliveryRequest& b = msg.base;
  b.flags = msg.sender.empty() ? mail::kDeliverFlagBounce : 0;
  b.queue_name = "active";
  b.queue_id = id;
  b.data_offset = size->data_offset;
  b.data_size = size->content_size;
  b.encoding = file->attribute("encoding").value_or("");
  b.smtputf8 = static_cast<int>(size->smtputf8);
  b.sender = msg.sender;
  b.dsn_envid = file->attribute("envelope_id").value_or("");
  b.dsn_ret = static_cast<int>(to_long(file->attribute("ret_flags")));
  b.arrival_time = msg.arrival;
  b.active_time = msg.active_time;
  b.client_name = file->attribute("client_name").value_or("");
  b.client_addr = file->attribute("client_address").value_or("");
  b.client_proto = file->attribute("protocol_name").value_or("");
  b.client_helo = file->attribute("helo_name").value_or("");
  b.sasl_method = file->attribute("sasl_method").value_or("");
  b.sasl_username = file->attribute("sasl_username").value_or("");
  b.log_ident = file->attribute("log_ident").value_or("");
  b.rewrite_context = file->attribute("rewrite_context").value_or("");
  b.log_client_name = file->attribute("log_client_name").value_or("");
  b.log_client_addr = file->attribute("log_client_address").value_or("");
  b.log_client_port = file->attribute("log_client_port").value_or("");
  b.log_helo_name = file->attribute("log_helo_name").value_or("");
  b.log_protocol_name = file->attribute("log_protocol_name").value_or("");

  for (mail::Recipient& r : file->recipients()) {
    if (r.done) continue;
    // The rest waits for the next pass (the message is deferred meanwhile).
    if (static_cast<long>(msg.rcpts.size()) >= rcpt_limit_) break;
    Rcpt rc;
    rc.rec = std::move(r);
    rc.address = rc.rec.address;
    msg.rcpts.push_back(std::move(rc));
  }
  util::msg_info(id + ": from=<" + msg.sender + ">, size=" + std::to_string(msg.size) +
                 ", nrcpt=" + std::to_string(msg.rcpts.size()) + " (queue active)");

  auto filter = find_record(*file, mail::rec::kFilter);
  auto redirect = find_record(*file, mail::rec::kRedirect);
  auto [it, inserted] = messages_.insert_or_assign(id, std::move(msg));
  Message& m = it->second;
  if (redirect)
    for (Rcpt& r : m.rcpts) r.address = *redirect;
  route(m, filter.value_or(""));
}

void QueueManager::route(Message& msg, const std::string& filter) {
  std::vector<mail::QmgrRoute> routes;
  std::vector<size_t> index;  // routes[i] is msg.rcpts[index[i]]
  for (size_t i = 0; i < msg.rcpts.size(); ++i) {
    Rcpt& r = msg.rcpts[i];
    mail::Resolved res = resolver_.resolve_address(r.address);
    if (res.flags & mail::kResolveFlagFail) {
      mail::RecipientResult fail;
      fail.offset = r.rec.offset;
      fail.status = mail::DeliveryStatus::kDeferred;
      fail.dsn = "4.3.0";
      fail.action = "delayed";
      fail.text = "address resolver failure";
      record_result(msg, i, fail, true, "none");
      continue;
    }
    if (!res.recipient.empty()) r.address = res.recipient;
    mail::QmgrRoute route{res.transport, res.nexthop};
    if (!filter.empty()) {
      size_t colon = filter.find(':');
      route.transport = filter.substr(0, colon);
      if (colon != std::string::npos && colon + 1 < filter.size()) route.nexthop = filter.substr(colon + 1);
    }
    routes.push_back(std::move(route));
    index.push_back(i);
  }
  auto batches = mail::qmgr_group_recipients(routes, [this](const std::string& t) {
    return transport(t).limits.recipient_limit;
  });
  for (mail::QmgrBatch& batch : batches) {
    Job job;
    job.msg_id = msg.id;
    job.transport = batch.transport;
    job.nexthop = batch.nexthop;
    for (size_t i : batch.recipients) job.rcpts.push_back(index[i]);
    ++msg.jobs_pending;
    dests_[{job.transport, job.nexthop}].todo.push_back(std::move(job));
  }
  if (msg.jobs_pending == 0) finished_.insert(msg.id);
}

Transport& QueueManager::transport(const std::string& name) {
  auto it = transports_.find(name);
  if (it == transports_.end()) {
    Transport t;
    t.limits = mail::qmgr_transport_limits(daemon_.config, name);
    it = transports_.emplace(name, t).first;
  }
  return it->second;
}

}  // namespace qmgr
