// qmgr start-up, the event loop, wake-up triggers and the queue run timer.
// qmgr does not use trigger_server_main: it must keep deliveries in flight
// and timers running while it waits for triggers, so it drives MasterLink's
// endpoint from its own util::EventLoop. It ignores max_idle and max_use (a
// queue manager with mail in flight must not leave because nobody poked it)
// and exits when master goes away.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "libmail/service_client.h"
#include "libutil/log.h"
#include "libutil/socket.h"
#include "qmgr/qmgr.h"

namespace qmgr {
namespace {

constexpr size_t kMaxTrigger = 1024;
constexpr auto kTriggerTimeout = std::chrono::seconds(5);

// One trigger client: what it writes before it closes (or sends the NUL).
struct TriggerClient {
  util::Fd fd;
  util::Event event;
  std::string request;
};

}  // namespace

QueueManager::QueueManager(mail::Daemon& daemon, util::EventLoop& loop, mail::MasterLink& master,
                           mail::Resolver& resolver)
    : daemon_(daemon), loop_(loop), master_(master), resolver_(resolver) {
  const conf::Config& c = daemon.config;
  queue_run_delay_ = std::max(1L, c.get_time("queue_run_delay"));
  min_backoff_ = c.get_time("minimal_backoff_time");
  max_backoff_ = c.get_time("maximal_backoff_time");
  lifetimes_.maximal_queue_lifetime = c.get_time("maximal_queue_lifetime");
  lifetimes_.bounce_queue_lifetime = c.get_time("bounce_queue_lifetime");
  transport_retry_ = c.get_time("transport_retry_time");
  active_limit_ = std::max(1L, c.get_int("qmgr_message_active_limit"));
  rcpt_limit_ = std::max(1L, c.get_int("qmgr_message_recipient_limit"));
  process_limit_ = std::max(1L, c.get_int("default_process_limit"));
  hash_names_ = c.get_list("hash_queue_names");
  hash_depth_ = static_cast<int>(c.get_int("hash_queue_depth"));
  ipc_timeout_ = daemon.ipc_timeout;
}

void QueueManager::start() {
  recover_active();
  scan_incoming();
  scan_deferred(false);
  schedule_scan_timer();
  dispatch();
}

void QueueManager::schedule_scan_timer() {
  auto t = loop_.timer(std::chrono::seconds(queue_run_delay_),
                       [this](util::EventWhat) {
                         scan_incoming();
                         scan_deferred(false);
                         dispatch();
                       },
                       /*repeat=*/true);
  if (!t) util::msg_fatal("queue run timer: " + t.error().message);
  scan_timer_ = std::move(*t);
}

void QueueManager::on_trigger(std::string_view request) {
  mail::QmgrTrigger t = mail::parse_qmgr_trigger(request);
  if (t.flush)
    for (auto& [name, transport] : transports_) transport.dead_until = 0;
  if (t.scan_incoming) scan_incoming();
  if (t.scan_deferred) scan_deferred(t.flush);
  dispatch();
}

int run(int argc, char** argv) {
  std::optional<mail::Resolver> resolver;
  mail::ServerHooks hooks;
  // Tables (transport_maps, relay_domains) open before any chroot.
  hooks.pre_jail = [&](mail::Daemon& d) { resolver.emplace(d.config); };
  mail::Daemon daemon = mail::server_start(argc, argv, "qmgr", hooks);
  mail::MasterLink master(daemon);
  auto loop = util::EventLoop::create();
  if (!loop) util::msg_fatal("event loop: " + loop.error().message);
  QueueManager manager(daemon, *loop, master, *resolver);

  std::map<int, std::unique_ptr<TriggerClient>> clients;
  auto serve = [&](int fd) {
    auto it = clients.find(fd);
    if (it == clients.end()) return;
    std::string request = std::move(it->second->request);
    clients.erase(it);
    manager.on_trigger(request);
  };
  bool fifo = daemon.options.service_type == "fifo";
  auto listener = loop->on_readable(master.listen_fd(), [&](util::EventWhat) {
    if (fifo) {
      char buf[kMaxTrigger];
      ssize_t got = ::read(master.listen_fd(), buf, sizeof buf);
      if (got > 0) manager.on_trigger(std::string_view(buf, static_cast<size_t>(got)));
      return;
    }
    auto accepted = master.accept_client();
    if (!accepted) {
      util::msg_warn("accept connection: " + accepted.error().message);
      return;
    }
    if (!*accepted) return;
    auto client = std::make_unique<TriggerClient>();
    client->fd = std::move(**accepted);
    int raw = client->fd.get();
    auto ev = loop->on_readable(
        raw,
        [&, raw](util::EventWhat what) {
          auto it = clients.find(raw);
          if (it == clients.end()) return;
          if (what.timeout()) return serve(raw);
          char buf[kMaxTrigger];
          ssize_t got = ::read(raw, buf, sizeof buf);
          if (got > 0) it->second->request.append(buf, static_cast<size_t>(got));
          // The NUL ends a request; so do EOF, an error and the size bound.
          if (got <= 0 || it->second->request.back() == '\0' ||
              it->second->request.size() >= kMaxTrigger)
            serve(raw);
        },
        /*persist=*/true, kTriggerTimeout);
    if (!ev) {
      util::msg_warn("trigger event: " + ev.error().message);
      return;
    }
    client->event = std::move(*ev);
    clients[raw] = std::move(client);
  });
  if (!listener) util::msg_fatal("listen event: " + listener.error().message);

  util::Event status;
  if (master.status_fd() >= 0) {
    // Master never writes to us: readable means it closed its end.
    auto ev = loop->on_readable(master.status_fd(), [&](util::EventWhat) { loop->stop(); }, false);
    if (!ev) util::msg_fatal("status event: " + ev.error().message);
    status = std::move(*ev);
  }

  manager.start();
  auto ran = loop->run();
  if (!ran) util::msg_fatal("event loop: " + ran.error().message);
  clients.clear();
  mail::server_exit(daemon, hooks);
}

}  // namespace qmgr
