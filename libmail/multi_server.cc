#include "libmail/multi_server.h"

#include <event2/event.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "libutil/log.h"

namespace mail {
namespace {

struct EventFree {
  void operator()(event* ev) const { event_free(ev); }
};
using EventPtr = std::unique_ptr<event, EventFree>;
struct BaseFree {
  void operator()(event_base* b) const { event_base_free(b); }
};

struct Loop;

struct Client {
  Loop* loop = nullptr;
  util::Stream stream;
  EventPtr ev;
  explicit Client(util::Fd fd, std::chrono::seconds timeout) : stream(std::move(fd), timeout) {}
};

// Everything the callbacks need; lives on multi_server_main's stack.
struct Loop {
  Daemon* daemon = nullptr;
  const MultiHandler* handler = nullptr;
  const MultiHooks* hooks = nullptr;
  MasterLink* master = nullptr;
  std::unique_ptr<event_base, BaseFree> base;
  EventPtr accept_ev, status_ev, idle_ev;
  std::map<int, std::unique_ptr<Client>> clients;
  long accepted = 0;
  bool stopping = false;  // master gone or max_use reached: leave when empty
};

void arm_idle(Loop& loop) {
  if (loop.daemon->max_idle.count() <= 0) return;
  timeval tv{static_cast<time_t>(loop.daemon->max_idle.count()), 0};
  event_add(loop.idle_ev.get(), &tv);
}

void drop_client(Loop& loop, int fd) {
  if (auto it = loop.clients.find(fd); it != loop.clients.end() && loop.hooks->on_disconnect)
    loop.hooks->on_disconnect(it->second->stream, *loop.daemon);
  loop.clients.erase(fd);
  if (!loop.clients.empty()) return;
  if (loop.stopping) {
    event_base_loopbreak(loop.base.get());
    return;
  }
  loop.master->idle();
  arm_idle(loop);
}

void count_use(Loop& loop) {
  if (loop.daemon->max_use > 0 && ++loop.accepted >= loop.daemon->max_use) {
    loop.stopping = true;
    event_del(loop.accept_ev.get());
  }
}

void on_client(evutil_socket_t fd, short, void* arg) {
  auto* client = static_cast<Client*>(arg);
  Loop& loop = *client->loop;
  // Serve every request already buffered: libevent only sees the fd.
  do {
    auto ready = client->stream.readable(std::chrono::milliseconds(0));
    if (!ready || !*ready) {
      drop_client(loop, fd);
      return;
    }
    ::alarm(static_cast<unsigned>(loop.daemon->daemon_timeout.count()));  // watchdog
    bool keep = (*loop.handler)(client->stream, *loop.daemon);
    ::alarm(0);
    if (!client->stream.flush() || !keep) {
      drop_client(loop, fd);
      return;
    }
  } while (client->stream.buffered() > 0);
}

void on_accept(evutil_socket_t, short, void* arg) {
  Loop& loop = *static_cast<Loop*>(arg);
  auto fd = loop.master->accept_client();
  if (!fd) {
    util::msg_warn("accept connection: " + fd.error().message);
    return;
  }
  if (!*fd) return;
  if (loop.clients.empty()) {
    loop.master->busy();
    event_del(loop.idle_ev.get());
  }
  int raw = (*fd)->get();
  auto client = std::make_unique<Client>(std::move(**fd), loop.daemon->ipc_timeout);
  client->loop = &loop;
  if (loop.hooks->on_connect) {
    ::alarm(static_cast<unsigned>(loop.daemon->daemon_timeout.count()));  // watchdog
    bool keep = loop.hooks->on_connect(client->stream, *loop.daemon);
    ::alarm(0);
    if (!client->stream.flush() || !keep) {
      client.reset();
      count_use(loop);
      if (loop.clients.empty()) drop_client(loop, -1);
      return;
    }
  }
  client->ev.reset(event_new(loop.base.get(), raw, EV_READ | EV_PERSIST, on_client, client.get()));
  event_add(client->ev.get(), nullptr);
  loop.clients[raw] = std::move(client);
  count_use(loop);
}

void on_master_gone(evutil_socket_t, short, void* arg) {
  Loop& loop = *static_cast<Loop*>(arg);
  loop.stopping = true;
  event_del(loop.accept_ev.get());
  event_del(loop.status_ev.get());
  if (loop.clients.empty()) event_base_loopbreak(loop.base.get());
}

void on_idle(evutil_socket_t, short, void* arg) {
  Loop& loop = *static_cast<Loop*>(arg);
  if (loop.clients.empty()) event_base_loopbreak(loop.base.get());
}

}  // namespace

void multi_server_main(int argc, char** argv, std::string_view program, const MultiHandler& handler,
                       const MultiHooks& hooks) {
  Daemon daemon = server_start(argc, argv, program, hooks);
  MasterLink master(daemon);
  Loop loop;
  loop.daemon = &daemon;
  loop.handler = &handler;
  loop.hooks = &hooks;
  loop.master = &master;
  loop.base.reset(event_base_new());
  if (!loop.base) util::msg_fatal("event_base_new failed");
  loop.accept_ev.reset(
      event_new(loop.base.get(), master.listen_fd(), EV_READ | EV_PERSIST, on_accept, &loop));
  event_add(loop.accept_ev.get(), nullptr);
  if (master.status_fd() >= 0) {
    loop.status_ev.reset(
        event_new(loop.base.get(), master.status_fd(), EV_READ, on_master_gone, &loop));
    event_add(loop.status_ev.get(), nullptr);
  }
  loop.idle_ev.reset(evtimer_new(loop.base.get(), on_idle, &loop));
  arm_idle(loop);
  if (hooks.on_loop) hooks.on_loop(loop.base.get(), daemon);
  event_base_dispatch(loop.base.get());
  loop.clients.clear();
  server_exit(daemon, hooks);
}

PeriodicTimer::PeriodicTimer(event_base* base, std::chrono::seconds every, std::function<void()> fn)
    : fn_(std::move(fn)), ev_(event_new(base, -1, EV_PERSIST, &PeriodicTimer::fire, this)) {
  if (!ev_) util::msg_fatal("event_new: cannot make a timer");
  timeval tv{static_cast<time_t>(every.count()), 0};
  event_add(ev_, &tv);
}

PeriodicTimer::~PeriodicTimer() { event_free(ev_); }

void PeriodicTimer::fire(int, short, void* self) { static_cast<PeriodicTimer*>(self)->fn_(); }

}  // namespace mail
