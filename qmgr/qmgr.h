// qmgr: the queue manager. One process (master.cf process_limit 1) with its
// own event loop: wake-up triggers on master's endpoint, queue scan timers,
// and delivery requests in flight to the agents (private/TRANSPORT), all at
// once. The state lives in memory; the queue directory is the truth, so a
// restart moves active/ back to incoming/ and starts over.
//   qmgr_service.cc  start-up, the loop, triggers and timers
//   queue_scan.cc    incoming/ and deferred/ scans, moving files, corrupt/
//   message.cc       reading a queue file into a Message, resolving, jobs
//   delivery.cc      sending requests, reading replies, per-recipient results
//   message_done.cc  the end of a pass: bounce flush, removal, deferral, expiry
// Easy to get wrong: a recipient is marked done (R -> D) only after its
// outcome is durable (agent reply "sent", or the bounce log appended); every
// failure in between leaves it to be tried again, never lost.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "libmail/bounce_client.h"
#include "libmail/daemon_options.h"
#include "libmail/delivery_request.h"
#include "libmail/qmgr_policy.h"
#include "libmail/queue_file.h"
#include "libmail/resolve.h"
#include "libmail/server_skeleton.h"
#include "libutil/event_loop.h"
#include "libutil/stream.h"

namespace qmgr {

struct Rcpt {
  mail::Recipient rec;       // as in the queue file (offset is the key)
  std::string address;       // resolved, sent to the agent
  bool done = false;
  bool deferred = false;     // deferred during this pass
  std::string dsn, reason;   // the last deferral, for an expiry bounce
};

struct Message {
  std::string id;
  std::string path;  // "active/ID"
  std::string sender;
  long size = 0;
  long data_offset = 0;
  long smtputf8 = 0;
  double arrival = 0;
  double active_time = 0;
  long create_time = 0;
  long warn_time = 0;
  off_t warn_offset = -1;  // of the W record, rewritten once warned
  mail::DeliveryRequest base;  // everything but nexthop and recipients
  std::vector<Rcpt> rcpts;
  int jobs_pending = 0;
};

struct Job {
  std::string msg_id;
  std::string transport;
  std::string nexthop;
  std::vector<size_t> rcpts;  // indices into Message::rcpts
};

struct Destination {
  std::deque<Job> todo;
  int in_flight = 0;
};

struct Transport {
  mail::TransportLimits limits;
  int in_flight = 0;
  double dead_until = 0;  // unreachable: defer at once until then
  std::string dead_reason;
};

struct Delivery {
  Job job;
  util::Stream stream;
  util::Event event;
  std::string input;
  double start = 0;
  explicit Delivery(util::Stream s) : stream(std::move(s)) {}
};

class QueueManager {
 public:
  QueueManager(mail::Daemon& daemon, util::EventLoop& loop, mail::MasterLink& master,
               mail::Resolver& resolver);
  void start();
  void on_trigger(std::string_view request);

 private:
  // queue_scan.cc
  void recover_active();
  void scan_incoming();
  void scan_deferred(bool all);
  void activate(const std::string& from_path, const std::string& id);
  void save_corrupt(const std::string& id, const std::string& why);
  void schedule_scan_timer();

  // message.cc
  void load(const std::string& id);
  void route(Message& msg, const std::string& filter);
  Transport& transport(const std::string& name);

  // delivery.cc
  void dispatch();
  void start_delivery(Job job);
  void on_agent_input(int fd);
  void finish_delivery(int fd, const std::optional<mail::DeliveryReply>& reply,
                       const std::string& failure);
  void transport_unavailable(const std::string& transport, const std::string& reason);
  void defer_job(const Job& job, const std::string& dsn, const std::string& reason);
  void record_result(Message& msg, size_t index, const mail::RecipientResult& result,
                     bool log_it, const std::string& relay);
  void job_done(const std::string& msg_id);

  // message_done.cc
  void finish_message(const std::string& id);
  void defer_message(Message& msg, double now);
  bool expire_message(Message& msg);

  mail::BounceLogEntry log_entry(const Rcpt& r, const mail::RecipientResult& res) const;
  mail::NoticeRequest notice(const Message& msg) const;
  std::string hashed(std::string_view queue, std::string_view id) const;

  mail::Daemon& daemon_;
  util::EventLoop& loop_;
  mail::MasterLink& master_;
  mail::Resolver& resolver_;

  // Configuration, read once.
  long queue_run_delay_ = 300;
  long min_backoff_ = 300;
  long max_backoff_ = 4000;
  mail::QmgrLifetimes lifetimes_;
  long transport_retry_ = 60;
  long active_limit_ = 20000;
  long rcpt_limit_ = 20000;
  long process_limit_ = 100;
  std::vector<std::string> hash_names_;
  int hash_depth_ = 1;
  std::chrono::seconds ipc_timeout_{3600};

  std::map<std::string, Message> messages_;
  std::map<std::pair<std::string, std::string>, Destination> dests_;
  std::map<std::string, Transport> transports_;
  std::map<int, std::unique_ptr<Delivery>> deliveries_;
  // Messages whose last job ended inside a callback chain; finished from
  // the loop so no caller holds a reference into messages_.
  std::set<std::string> finished_;
  bool rescan_incoming_ = false;  // the active limit cut a scan short
  util::Event scan_timer_;
};

// main(): the server life cycle around QueueManager.
int run(int argc, char** argv);

}  // namespace qmgr
