#include "libutil/event_loop.h"

#include <signal.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>

#include "libutil/socket.h"

using namespace std::chrono_literals;

TEST_CASE("a read event fires when data arrives and stops when removed", "[event]") {
  auto loop = util::EventLoop::create();
  REQUIRE(loop);
  auto pair = util::socket_pair();
  REQUIRE(pair);
  std::string got;
  util::Event reader;
  auto ev = loop->on_readable(pair->second.get(), [&](util::EventWhat what) {
    REQUIRE(what.readable());
    char buf[16];
    ssize_t n = ::read(pair->second.get(), buf, sizeof buf);
    got.append(buf, static_cast<size_t>(n));
    if (got.size() >= 2) reader.remove();
  });
  REQUIRE(ev);
  reader = std::move(*ev);
  REQUIRE(::write(pair->first.get(), "a", 1) == 1);
  REQUIRE(loop->run_once(true));
  REQUIRE(got == "a");
  REQUIRE(::write(pair->first.get(), "b", 1) == 1);
  REQUIRE(loop->run());  // returns once the only event is removed
  REQUIRE(got == "ab");
  REQUIRE_FALSE(reader.pending());
}

TEST_CASE("timers fire once or repeatedly and a read timeout is reported", "[event]") {
  auto loop = util::EventLoop::create();
  REQUIRE(loop);
  int once = 0, repeats = 0;
  auto t1 = loop->timer(10ms, [&](util::EventWhat w) {
    REQUIRE(w.timeout());
    ++once;
  });
  util::Event t2;
  auto r = loop->timer(5ms, [&](util::EventWhat) {
    if (++repeats == 3) t2.remove();
  }, true);
  REQUIRE(r);
  t2 = std::move(*r);
  auto pair = util::socket_pair();
  bool timed_out = false;
  auto idle = loop->on_readable(pair->second.get(), [&](util::EventWhat w) { timed_out = w.timeout(); },
                                false, 30ms);
  auto start = std::chrono::steady_clock::now();
  REQUIRE(loop->run());
  REQUIRE(once == 1);
  REQUIRE(repeats == 3);
  REQUIRE(timed_out);
  REQUIRE(std::chrono::steady_clock::now() - start >= 25ms);
}

TEST_CASE("a signal event runs its callback in the loop, not in a handler", "[event]") {
  auto loop = util::EventLoop::create();
  REQUIRE(loop);
  int hups = 0;
  auto sig = loop->on_signal(SIGHUP, [&](util::EventWhat w) {
    REQUIRE(w.signal());
    ++hups;
    loop->stop();
  });
  REQUIRE(sig);
  auto kick = loop->timer(5ms, [](util::EventWhat) { ::kill(::getpid(), SIGHUP); });
  auto guard = loop->timer(5s, [&](util::EventWhat) { loop->stop(); });
  REQUIRE(loop->run());
  REQUIRE(hups == 1);
}

TEST_CASE("an exception in a callback stops the loop and comes back as an error", "[event]") {
  auto loop = util::EventLoop::create();
  REQUIRE(loop);
  auto t = loop->timer(1ms, [](util::EventWhat) { throw std::runtime_error("boom"); });
  auto later = loop->timer(5s, [](util::EventWhat) {});
  auto r = loop->run();
  REQUIRE_FALSE(r);
  REQUIRE(r.error().message == "event callback: boom");
}

TEST_CASE("a callback may destroy its own event", "[event]") {
  auto loop = util::EventLoop::create();
  REQUIRE(loop);
  int calls = 0;
  util::Event self;
  auto r = loop->timer(1ms, [&](util::EventWhat) {
    ++calls;
    self = util::Event();  // frees the event we are running in
  }, true);
  REQUIRE(r);
  self = std::move(*r);
  REQUIRE(loop->run());
  REQUIRE(calls == 1);
  REQUIRE_FALSE(self);
}
