// test-agent: a test-only delivery agent on the single-client skeleton that
// serves real delivery requests (libmail/delivery_request.h) and answers
// each recipient by its local part, so qmgr tests are deterministic:
//   defer*   -> deferred, 4.3.0 "test deferral" (sent instead once a file
//               named test-agent-accept exists in the queue directory)
//   bounce*  -> bounced,  5.1.1 "test bounce"
//   crash*   -> the process exits without answering (an agent dying)
//   anything else -> sent, 2.0.0 "delivered by test-agent"
// Before answering it opens the queue file the request names and checks the
// content starts at data_offset (an N or L record), so a request with a
// wrong queue name or offset is deferred with "bad queue file reference".
// It logs the delivery line of every recipient as a real agent does.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "libmail/delivery_log.h"
#include "libmail/delivery_request.h"
#include "libmail/single_server.h"
#include "libutil/fd.h"
#include "libutil/log.h"

namespace {

bool content_at(const mail::DeliveryRequest& req) {
  std::string path = req.queue_name + "/" + req.queue_id;
  util::Fd fd(::open(path.c_str(), O_RDONLY));
  if (!fd) return false;
  char type = 0;
  if (::pread(fd.get(), &type, 1, req.data_offset) != 1) return false;
  return type == 'N' || type == 'L';
}

mail::DeliveryReply deliver(const mail::DeliveryRequest& req, mail::Daemon&) {
  mail::DeliveryReply reply;
  double start = mail::now_seconds();
  bool ok = content_at(req);
  for (const mail::DeliveryRecipient& r : req.recipients) {
    if (r.address.starts_with("crash")) std::_Exit(1);
    mail::RecipientResult res;
    res.offset = r.offset;
    if (!ok) {
      res.status = mail::DeliveryStatus::kDeferred;
      res.dsn = "4.3.0";
      res.action = "delayed";
      res.text = "bad queue file reference";
    } else if (r.address.starts_with("defer") && ::access("test-agent-accept", F_OK) != 0) {
      res.status = mail::DeliveryStatus::kDeferred;
      res.dsn = "4.3.0";
      res.action = "delayed";
      res.text = "test deferral";
    } else if (r.address.starts_with("bounce")) {
      res.status = mail::DeliveryStatus::kBounced;
      res.dsn = "5.1.1";
      res.action = "failed";
      res.text = "test bounce";
    } else {
      res.status = mail::DeliveryStatus::kSent;
      res.dsn = "2.0.0";
      res.action = "delivered";
      res.text = "delivered by test-agent";
    }
    double now = mail::now_seconds();
    mail::DeliveryTimes times{req.arrival_time, req.active_time, start, start, now};
    util::msg_info(mail::format_delivery_log(req.queue_id, r.address, r.orig_rcpt, "test-agent",
                                             times, res));
    reply.results.push_back(std::move(res));
  }
  return reply;
}

}  // namespace

int main(int argc, char** argv) {
  mail::single_server_main(argc, argv, "test-agent", [](util::Stream& client, mail::Daemon& daemon) {
    mail::serve_delivery_request(client, daemon, deliver);
  });
}
