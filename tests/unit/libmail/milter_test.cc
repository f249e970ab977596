// mail::Milter against a scripted peer on a UNIX socket: negotiation,
// skipped and no-reply steps, and the default action for a peer that
// sends garbage, an oversized packet or nothing.
#include "libmail/milter.h"

#include <arpa/inet.h>

#include <catch.hpp>
#include <cstring>
#include <functional>
#include <thread>

#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/support/temp_dir.h"

namespace {

std::string packet(char code, const std::string& data) {
  std::uint32_t n = htonl(static_cast<std::uint32_t>(data.size() + 1));
  std::string out(reinterpret_cast<const char*>(&n), 4);
  return out + code + data;
}

std::string be32(std::uint32_t v) {
  std::uint32_t n = htonl(v);
  return std::string(reinterpret_cast<const char*>(&n), 4);
}

// Reads one packet from the MTA: {code, data}.
std::pair<char, std::string> read_packet(util::Stream& s) {
  auto head = s.read_exact(4);
  if (!head) return {0, ""};
  std::uint32_t n;
  std::memcpy(&n, head->data(), 4);
  auto body = s.read_exact(ntohl(n));
  if (!body || body->empty()) return {0, ""};
  return {(*body)[0], body->substr(1)};
}

// A peer that accepts one connection and runs `script` on it.
struct Peer {
  test::TempDir dir;
  std::string path = dir.file("milter.sock");
  util::Fd listener;
  std::thread thread;
  explicit Peer(std::function<void(util::Stream&)> script) {
    auto l = util::unix_listen(path, 5);
    REQUIRE(l.has_value());
    listener = std::move(*l);
    thread = std::thread([this, script] {
      auto fd = util::accept_with_timeout(listener.get(), std::chrono::seconds(5));
      if (!fd) return;
      util::Stream s(std::move(*fd), std::chrono::seconds(5));
      script(s);
    });
  }
  ~Peer() { thread.join(); }
  mail::MilterSettings settings(mail::MilterDefault d) const {
    mail::MilterSettings m;
    m.name = "unix:" + path;
    m.default_action = d;
    m.command_timeout = std::chrono::milliseconds(500);
    m.content_timeout = std::chrono::milliseconds(500);
    return m;
  }
};

const mail::MilterMacroLookup kNone = [](std::string_view) -> std::optional<std::string> {
  return std::nullopt;
};

// Negotiation answer: version 6, the given actions and steps.
void negotiate(util::Stream& s, std::uint32_t actions, std::uint32_t steps) {
  auto [code, data] = read_packet(s);
  CHECK(code == 'O');
  CHECK(data.size() == 12);
  (void)s.write(packet('O', be32(6) + be32(actions) + be32(steps)));
  (void)s.flush();
}

}  // namespace

TEST_CASE("a milter that skips connect and does not answer HELO gets neither waited for",
          "[milter]") {
  Peer peer([](util::Stream& s) {
    negotiate(s, 0, 0x1 /*NOCONNECT*/ | 0x2000 /*NR_HELO*/);
    auto m1 = read_packet(s);  // macros for HELO
    CHECK(m1.first == 'D');
    auto h = read_packet(s);
    CHECK(h.first == 'H');
    CHECK(h.second == std::string("client.example\0", 15));
    read_packet(s);  // macros for MAIL
    auto mail = read_packet(s);
    CHECK(mail.first == 'M');
    (void)s.write(packet('y', std::string("550 5.7.0 go away\0", 18)));
    (void)s.flush();
    read_packet(s);  // QUIT
  });
  mail::MilterMacroLists lists;
  auto m = mail::Milter::open(peer.settings(mail::MilterDefault::kTempfail), lists);
  const mail::MilterMacroLookup& none = kNone;
  CHECK(m.connect("host", "127.0.0.1", 25, none).verdict == mail::MilterVerdict::kContinue);
  CHECK(m.helo("client.example", none).verdict == mail::MilterVerdict::kContinue);
  auto r = m.mail({"<a@b>"}, none);
  CHECK(r.verdict == mail::MilterVerdict::kReject);
  CHECK(r.text == "550 5.7.0 go away");
  m.quit();
}

TEST_CASE("a milter that sends an oversized packet or an unknown code gets the default action",
          "[milter]") {
  SECTION("oversized") {
    Peer peer([](util::Stream& s) {
      negotiate(s, 0, 0);
      read_packet(s);
      read_packet(s);
      (void)s.write(be32(0x7fffffff) + "c");
      (void)s.flush();
    });
    auto m = mail::Milter::open(peer.settings(mail::MilterDefault::kReject), {});
    auto r = m.connect("host", "127.0.0.1", 25, kNone);
    CHECK(r.verdict == mail::MilterVerdict::kReject);
    CHECK(m.failed());
    // Later events get the same answer without talking to the milter.
    CHECK(m.mail({"<a@b>"}, kNone).verdict == mail::MilterVerdict::kReject);
  }
  SECTION("unknown code") {
    Peer peer([](util::Stream& s) {
      negotiate(s, 0, 0);
      read_packet(s);
      read_packet(s);
      (void)s.write(packet('Z', ""));
      (void)s.flush();
    });
    auto m = mail::Milter::open(peer.settings(mail::MilterDefault::kAccept), {});
    CHECK(m.connect("host", "127.0.0.1", 25, kNone).verdict == mail::MilterVerdict::kContinue);
    CHECK(m.failed());
  }
  SECTION("an edit it did not negotiate") {
    Peer peer([](util::Stream& s) {
      negotiate(s, 0, 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x200);
      read_packet(s);  // EOM macros
      read_packet(s);  // EOM
      (void)s.write(packet('h', std::string("X\0y\0", 4)));
      (void)s.flush();
    });
    auto m = mail::Milter::open(peer.settings(mail::MilterDefault::kTempfail), {});
    std::vector<mail::MilterEdit> edits;
    auto r = m.eom(kNone, edits);
    CHECK(r.verdict == mail::MilterVerdict::kTempfail);
    CHECK(edits.empty());
  }
}

TEST_CASE("a milter that never answers times out into the default action", "[milter]") {
  Peer peer([](util::Stream& s) {
    negotiate(s, 0, 0);
    read_packet(s);
    read_packet(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
  });
  auto m = mail::Milter::open(peer.settings(mail::MilterDefault::kTempfail), {});
  auto start = std::chrono::steady_clock::now();
  auto r = m.connect("host", "127.0.0.1", 25, kNone);
  CHECK(r.verdict == mail::MilterVerdict::kTempfail);
  CHECK(r.text == "451 4.7.1 Service unavailable - try again later");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("a milter that is not listening gets the default action", "[milter]") {
  test::TempDir dir;
  mail::MilterSettings s;
  s.name = "unix:" + dir.file("none.sock");
  s.default_action = mail::MilterDefault::kReject;
  auto m = mail::Milter::open(s, {});
  CHECK(m.failed());
  CHECK(m.connect("h", "127.0.0.1", 1, kNone).verdict == mail::MilterVerdict::kReject);
}
