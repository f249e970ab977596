// util::EventLoop: a small RAII wrapper over a libevent 2 event_base, for the
// multi-client skeleton (qmgr, cleanup, bounce), master (signals, timers,
// child status) and trigger servers. Events are read/write readiness on an
// fd, timers and signals; each is an Event object that unregisters itself
// when destroyed.
// Easy to get wrong: an Event must not outlive its EventLoop, and a callback
// may destroy its own Event (libevent tolerates event_free from inside the
// callback because we never touch the event afterwards). Exceptions thrown by
// a callback are caught at the boundary: the loop stops and run() returns the
// error, so nothing unwinds through libevent's C frames.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "libutil/error.h"

struct event;
struct event_base;

namespace util {

class EventLoop;

// What woke a callback (libevent's EV_* bits).
struct EventWhat {
  short bits = 0;
  bool timeout() const;
  bool readable() const;
  bool writable() const;
  bool signal() const;
};

class Event {
 public:
  using Callback = std::function<void(EventWhat)>;
  using Duration = std::chrono::milliseconds;

  Event();
  Event(Event&&) noexcept;
  Event& operator=(Event&&) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  // (Re)arm; with a timeout the callback also runs with timeout() true when
  // nothing happened in time (an idle timer is re-armed by calling again).
  Result<void> add(std::optional<Duration> timeout = std::nullopt);
  void remove();
  bool pending() const;
  explicit operator bool() const { return state_ != nullptr; }

  struct State;  // defined in event_loop.cc; public only for its C callback

 private:
  friend class EventLoop;
  explicit Event(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class EventLoop {
 public:
  using Duration = Event::Duration;

  static Result<EventLoop> create();
  EventLoop(EventLoop&&) noexcept;
  EventLoop& operator=(EventLoop&&) noexcept;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Persistent events stay armed after firing; the others fire once.
  // Events are created armed (with `timeout` if given).
  Result<Event> on_readable(int fd, Event::Callback cb, bool persist = true,
                            std::optional<Duration> timeout = std::nullopt);
  Result<Event> on_writable(int fd, Event::Callback cb, bool persist = true,
                            std::optional<Duration> timeout = std::nullopt);
  Result<Event> timer(Duration after, Event::Callback cb, bool repeat = false);
  Result<Event> on_signal(int sig, Event::Callback cb);

  // Dispatch until stop(), until no event is left, or a callback threw.
  Result<void> run();
  // One pass: wait (or not) for events and run their callbacks.
  Result<void> run_once(bool block = true);
  void stop();
  event_base* base() const;

  struct Impl;

 private:
  explicit EventLoop(std::unique_ptr<Impl> impl);
  Result<Event> make(int fd, short what, Event::Callback cb, std::optional<Duration> timeout);
  std::unique_ptr<Impl> impl_;
};

}  // namespace util
