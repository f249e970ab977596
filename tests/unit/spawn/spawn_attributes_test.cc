#include "spawn/spawn_attributes.h"

#include <grp.h>
#include <pwd.h>

#include <catch.hpp>

using spawn_agent::ForbiddenIds;
using spawn_agent::parse_spawn_attributes;

namespace {

// The real "nobody" and "nogroup" of this machine (Debian has both).
const passwd* nobody() {
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return pw;
}

// An owner that is neither nobody nor root, as the postfix user would be.
ForbiddenIds owner_elsewhere() { return {nobody()->pw_uid + 1, nobody()->pw_gid + 1}; }

}  // namespace

TEST_CASE("spawn takes user= and everything after argv= as the command", "[spawn]") {
  auto a = parse_spawn_attributes({"user=nobody", "argv=/usr/sbin/policy", "-v", "user=x"},
                                  owner_elsewhere());
  REQUIRE(a);
  CHECK(a->uid == nobody()->pw_uid);
  CHECK(a->gid == nobody()->pw_gid);
  CHECK(a->argv == std::vector<std::string>{"/usr/sbin/policy", "-v", "user=x"});
}

TEST_CASE("spawn's user=name:group picks the group", "[spawn]") {
  const group* gr = ::getgrnam("daemon");
  REQUIRE(gr != nullptr);
  auto a = parse_spawn_attributes({"USER=nobody:daemon", "ARGV=/bin/true"}, owner_elsewhere());
  REQUIRE(a);
  CHECK(a->gid == gr->gr_gid);
}

TEST_CASE("spawn refuses what Postfix refuses, in its words", "[spawn]") {
  auto message = [](std::vector<std::string> args, ForbiddenIds ids) {
    auto a = parse_spawn_attributes(args, ids);
    REQUIRE_FALSE(a);
    return a.error().message;
  };
  ForbiddenIds ids = owner_elsewhere();
  CHECK(message({"argv=/bin/true"}, ids) == "missing user= attribute");
  CHECK(message({"user=nobody"}, ids) == "missing argv= attribute");
  CHECK(message({"user=nobody", "argv="}, ids) == "missing argv= attribute");
  CHECK(message({"user=root", "argv=/bin/true"}, ids) == "request to deliver as root");
  CHECK(message({"user=no-such-user-here", "argv=/bin/true"}, ids) ==
        "unknown user name: no-such-user-here");
  CHECK(message({"user=nobody:no-such-group", "argv=/bin/true"}, ids) ==
        "unknown group name: no-such-group");
  CHECK(message({"user=nobody:root", "argv=/bin/true"}, ids) ==
        "request to use privileged group id 0");
  CHECK(message({"size=10", "argv=/bin/true"}, ids) == "unknown attribute name: size=10");
  ForbiddenIds owner_is_nobody{nobody()->pw_uid, nobody()->pw_gid};
  CHECK(message({"user=nobody", "argv=/bin/true"}, owner_is_nobody) ==
        "request to deliver as mail system owner");
  ForbiddenIds group_is_owners{nobody()->pw_uid + 1, nobody()->pw_gid};
  CHECK(message({"user=nobody", "argv=/bin/true"}, group_is_owners) ==
        "request to use mail system owner group id " + std::to_string(nobody()->pw_gid));
}
