#include "pipe/pipe_attributes.h"

#include <pwd.h>

#include <catch.hpp>

using pipe_agent::OwnerIds;
using pipe_agent::parse_pipe_attributes;

namespace {

const passwd* nobody() {
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return pw;
}

OwnerIds owner_elsewhere() {
  OwnerIds o;
  o.owner_name = "postfix";
  o.owner_uid = nobody()->pw_uid + 1;
  o.owner_gid = nobody()->pw_gid + 1;
  return o;
}

}  // namespace

TEST_CASE("pipe reads Debian's maildrop line", "[pipe]") {
  std::vector<std::string> warnings;
  auto a = parse_pipe_attributes(
      {"flags=DRXhu", "user=nobody", "argv=/usr/bin/maildrop", "-d", "${recipient}"},
      owner_elsewhere(), &warnings);
  REQUIRE(a);
  CHECK(warnings.empty());
  CHECK(a->flags.delivered_to);
  CHECK(a->flags.return_path);
  CHECK(a->flags.final_delivery);
  CHECK(a->flags.fold_host);
  CHECK(a->flags.fold_user);
  CHECK_FALSE(a->flags.from_line);
  CHECK(a->uid == nobody()->pw_uid);
  CHECK(a->argv == std::vector<std::string>{"/usr/bin/maildrop", "-d", "${recipient}"});
  CHECK(a->eol == "\n");
  CHECK(a->null_sender == "MAILER-DAEMON");
}

TEST_CASE("pipe's other attributes and its unknown-flag warning", "[pipe]") {
  std::vector<std::string> warnings;
  auto a = parse_pipe_attributes({"flags=Fq.>BZ", "user=nobody", "directory=/tmp", "eol=\\r\\n",
                                  "null_sender=", "size=1000", "argv=/bin/cat"},
                                 owner_elsewhere(), &warnings);
  REQUIRE(a);
  CHECK(warnings == std::vector<std::string>{"unknown flag: Z (ignored)"});
  CHECK(a->flags.from_line);
  CHECK(a->flags.quote);
  CHECK(a->flags.dot_stuff);
  CHECK(a->flags.quote_from);
  CHECK(a->flags.blank_line);
  CHECK(a->directory == "/tmp");
  CHECK(a->eol == "\r\n");
  CHECK(a->null_sender.empty());
  CHECK(a->size_limit == 1000);
}

TEST_CASE("pipe refuses what Postfix refuses, in its words", "[pipe]") {
  auto message = [](std::vector<std::string> args, const OwnerIds& ids) {
    auto a = parse_pipe_attributes(args, ids, nullptr);
    REQUIRE_FALSE(a);
    return a.error().message;
  };
  OwnerIds ids = owner_elsewhere();
  CHECK(message({"argv=/bin/true"}, ids) == "missing user= command-line attribute");
  CHECK(message({"user=nobody"}, ids) == "missing argv= command-line attribute");
  CHECK(message({"user=root", "argv=/bin/true"}, ids) ==
        "user= command-line attribute specifies root privileges");
  CHECK(message({"user=nobody:root", "argv=/bin/true"}, ids) ==
        "user= command-line attribute specifies privileged group id 0");
  CHECK(message({"user=nobody", "size=x", "argv=/bin/true"}, ids) == "bad size= value: x");
  CHECK(message({"user=nobody", "bogus=1", "argv=/bin/true"}, ids) ==
        "unknown attribute name: bogus=1");
  CHECK(message({"user=no-such-user-here", "argv=/bin/true"}, ids) ==
        "unknown username: no-such-user-here");
  OwnerIds owner_is_nobody = ids;
  owner_is_nobody.owner_uid = nobody()->pw_uid;
  CHECK(message({"user=nobody", "argv=/bin/true"}, owner_is_nobody) ==
        "user= command-line attribute specifies mail system owner postfix");
  OwnerIds sgid = ids;
  sgid.setgid_group = "postdrop";
  sgid.setgid_gid = nobody()->pw_gid;
  CHECK(message({"user=nobody", "argv=/bin/true"}, sgid) ==
        "user= command-line attribute specifies mail system postdrop group id " +
            std::to_string(nobody()->pw_gid));
}

TEST_CASE("eol= and friends take C escapes", "[pipe]") {
  CHECK(pipe_agent::unescape_c("\\r\\n") == "\r\n");
  CHECK(pipe_agent::unescape_c("\\015\\012") == "\r\n");
  CHECK(pipe_agent::unescape_c("a\\\\b\\t") == "a\\b\t");
  CHECK(pipe_agent::unescape_c("trailing\\") == "trailing\\");
}
