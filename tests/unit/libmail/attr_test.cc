#include "libmail/attr.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "libutil/socket.h"

using namespace std::chrono_literals;

namespace {

mail::AttrList sample() {
  mail::AttrList rcpt1, rcpt2, rcpts;
  rcpt1.add("address", "user@example.test").add("offset", 1234);
  rcpt2.add("address", "other@example.test").add("offset", std::int64_t{-1});
  rcpts.add("recipient", rcpt1).add("recipient", rcpt2);
  mail::AttrList req;
  req.add("request", "deliver")
      .add("queue_id", "B0FE1A74379")
      .add("flags", std::int64_t{INT64_MIN})
      .add("big", std::int64_t{INT64_MAX})
      .add("binary", std::string("a\0b\nc=d\r\n", 9))
      .add("empty", "")
      .add("recipients", rcpts);
  return req;
}

}  // namespace

TEST_CASE("attribute lists round-trip through the wire format", "[attr]") {
  auto req = sample();
  std::string wire = mail::encode_attrs(req);
  auto back = mail::decode_attrs(wire);
  REQUIRE(back);
  REQUIRE(*back == req);
  REQUIRE(back->get_string("binary").value() == std::string("a\0b\nc=d\r\n", 9));
  REQUIRE(back->get_int("flags").value() == INT64_MIN);
  auto rcpts = back->get_list("recipients");
  REQUIRE(rcpts);
  REQUIRE((*rcpts)->size() == 2);
  REQUIRE((*rcpts)->attrs()[1].list.get_int("offset").value() == -1);
}

TEST_CASE("the wire format is the documented one", "[attr]") {
  mail::AttrList l;
  l.add("queue_id", "ABC").add("flags", 3);
  REQUIRE(mail::encode_attrs(l) == std::string("queue_id\0s3:ABCflags\0i3\0\0", 25));
  REQUIRE(mail::encode_attrs(mail::AttrList{}) == std::string("\0", 1));
}

TEST_CASE("typed getters name the missing or mistyped attribute", "[attr]") {
  auto req = sample();
  auto missing = req.get_string("nothing");
  REQUIRE_FALSE(missing);
  REQUIRE(missing.error().message == "missing attribute nothing");
  auto wrong = req.get_int("queue_id");
  REQUIRE_FALSE(wrong);
  REQUIRE(wrong.error().message == "attribute queue_id: not an integer");
  REQUIRE_FALSE(req.get_list("flags"));
}

TEST_CASE("malformed attribute messages are rejected with a reason", "[attr]") {
  using namespace std::string_literals;
  struct Case {
    std::string wire;
    util::ErrorKind kind;
  };
  const Case cases[] = {
      {"name\0s3:AB"s, util::ErrorKind::kMalformed},            // value cut short
      {"name\0s3:ABC"s, util::ErrorKind::kMalformed},           // no terminator
      {"name\0x3\0\0"s, util::ErrorKind::kMalformed},           // unknown type
      {"name\0s-1:\0"s, util::ErrorKind::kMalformed},           // negative length
      {"name\0sAB:\0"s, util::ErrorKind::kMalformed},           // length not a number
      {"name\0i12a\0\0"s, util::ErrorKind::kMalformed},         // bad integer
      {"name\0i\0\0"s, util::ErrorKind::kMalformed},            // empty integer
      {"name\0i99999999999999999999\0\0"s, util::ErrorKind::kMalformed},  // overflow
      {"name\0s99999999999999999999999:"s, util::ErrorKind::kTooLong},    // absurd length
      {"name\0s1:A\0extra"s, util::ErrorKind::kMalformed},      // garbage after the end
      {"name\0lsub\0i1\0"s, util::ErrorKind::kMalformed},       // nested list not closed
      {std::string(200, 'n') + "\0s0:\0"s, util::ErrorKind::kTooLong},  // name too long
      {""s, util::ErrorKind::kMalformed},
  };
  for (const auto& c : cases) {
    auto r = mail::decode_attrs(c.wire);
    INFO("wire size " << c.wire.size());
    REQUIRE_FALSE(r);
    REQUIRE(r.error().kind == c.kind);
  }
}

TEST_CASE("limits on value size, count and depth are enforced", "[attr]") {
  mail::AttrLimits limits;
  limits.max_value = 10;
  limits.max_count = 5;
  limits.max_depth = 3;
  mail::AttrList big;
  big.add("v", std::string(11, 'x'));
  auto r1 = mail::decode_attrs(mail::encode_attrs(big), limits);
  REQUIRE_FALSE(r1);
  REQUIRE(r1.error().kind == util::ErrorKind::kTooLong);

  mail::AttrList many;
  for (int i = 0; i < 6; ++i) many.add("n", i);
  auto r2 = mail::decode_attrs(mail::encode_attrs(many), limits);
  REQUIRE_FALSE(r2);
  REQUIRE(r2.error().message == "attribute protocol: too many attributes");

  mail::AttrList deep;
  deep.add("leaf", 1);
  for (int i = 0; i < 4; ++i) {
    mail::AttrList outer;
    outer.add("l", deep);
    deep = outer;
  }
  auto r3 = mail::decode_attrs(mail::encode_attrs(deep), limits);
  REQUIRE_FALSE(r3);
  REQUIRE(r3.error().message == "attribute protocol: lists nested too deeply");
}

TEST_CASE("mutated messages never crash the decoder", "[attr]") {
  std::string wire = mail::encode_attrs(sample());
  std::mt19937 rng(12345);
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string m = wire;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % m.size();
      switch (rng() % 3) {
        case 0: m[pos] = static_cast<char>(rng()); break;
        case 1: m.erase(pos, 1 + rng() % 8); break;
        default: m.insert(pos, 1, static_cast<char>(rng() % 4 == 0 ? '\0' : rng())); break;
      }
      if (m.empty()) m = "x";
    }
    auto r = mail::decode_attrs(m);
    if (!r) ++rejected;
  }
  REQUIRE(rejected > 10000);
}

TEST_CASE("a request and its reply cross a socket between two processes", "[attr]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The server: read a request, answer with its queue_id and a status.
    pair->first.reset();
    util::Stream s(std::move(pair->second), 5s);
    auto req = mail::read_attrs(s);
    if (!req) _exit(2);
    mail::AttrList reply;
    reply.add("status", 0).add("queue_id", req->get_string("queue_id").value_or("?"));
    _exit(mail::write_attrs(s, reply) ? 0 : 3);
  }
  pair->second.reset();
  util::Stream client(std::move(pair->first), 5s);
  auto reply = mail::attr_request(client, sample());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(reply);
  REQUIRE(reply->get_int("status").value() == 0);
  REQUIRE(reply->get_string("queue_id").value() == "B0FE1A74379");
  // The server is gone: the next read is a clean end of file.
  auto more = mail::read_attrs(client);
  REQUIRE_FALSE(more);
  REQUIRE(more.error().kind == util::ErrorKind::kEof);
}

TEST_CASE("a stalled peer makes read_attrs time out", "[attr]") {
  auto pair = util::socket_pair();
  REQUIRE(pair);
  std::string half = mail::encode_attrs(sample()).substr(0, 20);
  REQUIRE(::write(pair->second.get(), half.data(), half.size()) == 20);
  util::Stream s(std::move(pair->first), 100ms);
  auto r = mail::read_attrs(s);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().kind == util::ErrorKind::kTimeout);
}
