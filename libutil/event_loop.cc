// libevent 2 wrapper with RAII events and exception containment (event_loop.h).
#include "libutil/event_loop.h"

#include <event2/event.h>
#include <sys/time.h>

#include <exception>
#include <utility>

namespace util {

struct EventLoop::Impl {
  event_base* base = nullptr;
  std::optional<Error> callback_error;  // set when a callback threw
  ~Impl() {
    if (base != nullptr) event_base_free(base);
  }
};

struct Event::State {
  event* ev = nullptr;
  Callback cb;
  EventLoop::Impl* loop = nullptr;
  ~State() {
    if (ev != nullptr) event_free(ev);
  }
};

namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// The C callback: the only place where C++ code runs under libevent. Copy
// the callback first, since it may destroy its own Event (and State).
void trampoline(evutil_socket_t, short what, void* arg) {
  auto* state = static_cast<Event::State*>(arg);
  EventLoop::Impl* loop = state->loop;
  Event::Callback cb = state->cb;
  try {
    cb(EventWhat{what});
  } catch (const std::exception& e) {
    loop->callback_error = Error{std::string("event callback: ") + e.what(), 0};
    event_base_loopbreak(loop->base);
  } catch (...) {
    loop->callback_error = Error{"event callback: unknown exception", 0};
    event_base_loopbreak(loop->base);
  }
}

std::unexpected<Error> take_callback_error(EventLoop::Impl& impl) {
  Error e = std::move(*impl.callback_error);
  impl.callback_error.reset();
  return std::unexpected<Error>(std::move(e));
}

}  // namespace

bool EventWhat::timeout() const { return (bits & EV_TIMEOUT) != 0; }
bool EventWhat::readable() const { return (bits & EV_READ) != 0; }
bool EventWhat::writable() const { return (bits & EV_WRITE) != 0; }
bool EventWhat::signal() const { return (bits & EV_SIGNAL) != 0; }

Event::Event(std::unique_ptr<State> state) : state_(std::move(state)) {}
Event::Event() = default;
Event::Event(Event&&) noexcept = default;
Event& Event::operator=(Event&&) noexcept = default;
Event::~Event() = default;

Result<void> Event::add(std::optional<Duration> timeout) {
  if (!state_) return fail("event add: empty event");
  timeval tv{};
  if (timeout) tv = to_timeval(*timeout);
  if (event_add(state_->ev, timeout ? &tv : nullptr) < 0) return fail("event_add failed");
  return {};
}

void Event::remove() {
  if (state_) event_del(state_->ev);
}

bool Event::pending() const {
  return state_ && event_pending(state_->ev, EV_READ | EV_WRITE | EV_SIGNAL | EV_TIMEOUT, nullptr);
}

EventLoop::EventLoop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventLoop::EventLoop(EventLoop&&) noexcept = default;
EventLoop& EventLoop::operator=(EventLoop&&) noexcept = default;
EventLoop::~EventLoop() = default;

Result<EventLoop> EventLoop::create() {
  auto impl = std::make_unique<Impl>();
  impl->base = event_base_new();
  if (impl->base == nullptr) return fail("event_base_new failed");
  return EventLoop(std::move(impl));
}

event_base* EventLoop::base() const { return impl_->base; }

Result<Event> EventLoop::make(int fd, short what, Event::Callback cb,
                              std::optional<Duration> timeout) {
  auto state = std::make_unique<Event::State>();
  state->cb = std::move(cb);
  state->loop = impl_.get();
  state->ev = event_new(impl_->base, fd, what, trampoline, state.get());
  if (state->ev == nullptr) return fail("event_new failed");
  Event e(std::move(state));
  if (auto r = e.add(timeout); !r) return std::unexpected(r.error());
  return e;
}

Result<Event> EventLoop::on_readable(int fd, Event::Callback cb, bool persist,
                                     std::optional<Duration> timeout) {
  return make(fd, static_cast<short>(EV_READ | (persist ? EV_PERSIST : 0)), std::move(cb), timeout);
}

Result<Event> EventLoop::on_writable(int fd, Event::Callback cb, bool persist,
                                     std::optional<Duration> timeout) {
  return make(fd, static_cast<short>(EV_WRITE | (persist ? EV_PERSIST : 0)), std::move(cb), timeout);
}

Result<Event> EventLoop::timer(Duration after, Event::Callback cb, bool repeat) {
  return make(-1, static_cast<short>(repeat ? EV_PERSIST : 0), std::move(cb), after);
}

Result<Event> EventLoop::on_signal(int sig, Event::Callback cb) {
  return make(sig, static_cast<short>(EV_SIGNAL | EV_PERSIST), std::move(cb), std::nullopt);
}

Result<void> EventLoop::run() {
  impl_->callback_error.reset();
  int rc = event_base_dispatch(impl_->base);
  if (impl_->callback_error) return take_callback_error(*impl_);
  if (rc < 0) return fail("event_base_dispatch failed");
  return {};
}

Result<void> EventLoop::run_once(bool block) {
  impl_->callback_error.reset();
  int rc = event_base_loop(impl_->base, EVLOOP_ONCE | (block ? 0 : EVLOOP_NONBLOCK));
  if (impl_->callback_error) return take_callback_error(*impl_);
  if (rc < 0) return fail("event_base_loop failed");
  return {};
}

void EventLoop::stop() { event_base_loopbreak(impl_->base); }

}  // namespace util
