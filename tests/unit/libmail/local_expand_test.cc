// Alias and .forward expansion against real hash: tables (Berkeley DB files
// built through the same dict layer postalias uses) and the real passwd
// database (root and nobody exist everywhere; "pstrn-none" does not).
#include <catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "libmail/local_expand.h"
#include "libutil/dict.h"
#include "tests/support/temp_dir.h"

using mail::LocalActionKind;

namespace {

class Aliases {
 public:
  using Entries = std::initializer_list<std::pair<std::string, std::string>>;
  explicit Aliases(Entries entries) {
    util::DictOpenOptions o;
    o.create = true;
    auto built = util::dict_open("hash:" + dir_.file("aliases"), o);
    REQUIRE(built);
    for (const auto& [k, v] : entries) REQUIRE((*built)->update(k, v));
    REQUIRE((*built)->commit());
    auto table = util::dict_open("hash:" + dir_.file("aliases"));
    REQUIRE(table);
    table_ = std::move(*table);
    settings_.myorigin = "mx.example.test";
    settings_.recipient_delimiter = "+";
    settings_.default_privs = {65534, 65534};
    hooks_.lookup_alias = [this](std::string_view name)
        -> util::Result<std::optional<mail::AliasHit>> {
      if (broken_) return util::fail("table hash:aliases: query error");
      auto v = table_->lookup(name);
      if (!v) return std::unexpected(v.error());
      if (!*v) return std::nullopt;
      return mail::AliasHit{**v, settings_.default_privs};
    };
    hooks_.lookup_user = [](std::string_view name) { return util::lookup_user(std::string(name)); };
    hooks_.read_forward = [this](const util::UserInfo& user, std::string_view)
        -> util::Result<std::optional<std::string>> {
      std::ifstream in(dir_.file("forward." + user.name));
      if (!in) return std::nullopt;
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    };
    hooks_.read_include = [](const std::string& path, const mail::LocalPrivs&,
                             mail::LocalPrivs& owner) -> util::Result<std::string> {
      std::ifstream in(path);
      if (!in) return util::fail("open " + path + ": No such file or directory");
      std::stringstream ss;
      ss << in.rdbuf();
      owner = {0, 0};
      return ss.str();
    };
    hooks_.warn = [this](std::string_view w) { warnings_ += std::string(w) + "\n"; };
  }

  std::vector<mail::LocalAction> expand(const std::string& rcpt, const std::string& sender = "s@x") {
    return mail::expand_local_recipient(rcpt, sender, settings_, hooks_);
  }
  const test::TempDir& dir() const { return dir_; }
  void break_table() { broken_ = true; }
  mail::LocalExpandSettings settings_;
  std::string warnings_;

 private:
  test::TempDir dir_;
  std::unique_ptr<util::Dict> table_;
  mail::LocalExpandHooks hooks_;
  bool broken_ = false;
};

}  // namespace

TEST_CASE("a user without an alias gets a mailbox action", "[local]") {
  Aliases a({{"postmaster", "root"}});
  auto r = a.expand("root@mx.example.test");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == LocalActionKind::kMailbox);
  CHECK(r[0].address == "root@mx.example.test");
  REQUIRE(r[0].user);
  CHECK(r[0].user->uid == 0);
}

TEST_CASE("an alias to several users expands once per user, duplicates dropped", "[local]") {
  Aliases a({{"team", "root, nobody, ROOT@mx.example.test"}});
  auto r = a.expand("Team@mx.example.test");
  REQUIRE(r.size() == 2);
  CHECK(r[0].kind == LocalActionKind::kMailbox);
  CHECK(r[0].address == "root@mx.example.test");
  CHECK(r[1].address == "nobody@mx.example.test");
}

TEST_CASE("nested aliases resolve and a self-reference ends at the mailbox", "[local]") {
  Aliases a({{"postmaster", "root"}, {"root", "root, nobody"}});
  auto r = a.expand("postmaster@mx.example.test");
  REQUIRE(r.size() == 2);
  CHECK(r[0].kind == LocalActionKind::kMailbox);
  CHECK(r[0].user->name == "root");
  CHECK(r[1].user->name == "nobody");
}

TEST_CASE("an unknown user bounces with 5.1.1 and Postfix's text", "[local]") {
  Aliases a(Aliases::Entries{});
  auto r = a.expand("Pstrn-None@mx.example.test");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == LocalActionKind::kBounce);
  CHECK(r[0].dsn == "5.1.1");
  CHECK(r[0].text == "unknown user: \"pstrn-none\"");
}

TEST_CASE("luser_relay takes mail for unknown users", "[local]") {
  Aliases a(Aliases::Entries{});
  a.settings_.luser_relay = "nobody";
  auto r = a.expand("pstrn-none@mx.example.test");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == LocalActionKind::kMailbox);
  CHECK(r[0].user->name == "nobody");
}

TEST_CASE("an alias table that cannot be read defers with 4.3.0", "[local]") {
  Aliases a({{"root", "nobody"}});
  a.break_table();
  auto r = a.expand("root@mx.example.test");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == LocalActionKind::kDefer);
  CHECK(r[0].dsn == "4.3.0");
  CHECK(r[0].text == "alias database unavailable");
}

TEST_CASE("the address extension is tried with and then without it", "[local]") {
  Aliases a({{"team", "nobody"}, {"team+sales", "root"}});
  auto sales = a.expand("team+sales@mx.example.test");
  REQUIRE(sales.size() == 1);
  CHECK(sales[0].user->name == "root");
  auto other = a.expand("team+other@mx.example.test");
  REQUIRE(other.size() == 1);
  CHECK(other[0].user->name == "nobody");
  auto plain = a.expand("root+box@mx.example.test");
  REQUIRE(plain.size() == 1);
  CHECK(plain[0].kind == LocalActionKind::kMailbox);
  CHECK(plain[0].extension == "box");
}

TEST_CASE("commands, files and remote addresses keep their source and privileges", "[local]") {
  Aliases a({{"bot", "|/bin/cat > /tmp/x, /var/tmp/log, friend@example.org"}});
  auto r = a.expand("bot@mx.example.test");
  REQUIRE(r.size() == 3);
  CHECK(r[0].kind == LocalActionKind::kCommand);
  CHECK(r[0].value == "/bin/cat > /tmp/x");
  CHECK(r[0].source == mail::LocalSource::kAlias);
  CHECK(r[0].privs.uid == 65534);
  CHECK(r[0].address == "bot@mx.example.test");
  CHECK(r[1].kind == LocalActionKind::kFile);
  CHECK(r[2].kind == LocalActionKind::kForward);
  CHECK(r[2].value == "friend@example.org");
}

TEST_CASE("owner-NAME becomes the sender of NAME's expansion", "[local]") {
  Aliases a({{"list", "nobody"}, {"owner-list", "root"}});
  auto r = a.expand("list@mx.example.test", "someone@example.org");
  REQUIRE(r.size() == 1);
  CHECK(r[0].sender == "owner-list@mx.example.test");
  auto bounce = a.expand("list@mx.example.test", "");
  CHECK(bounce[0].sender.empty());
}

TEST_CASE("a missing mailer-daemon alias is discarded with a warning", "[local]") {
  Aliases a(Aliases::Entries{});
  auto r = a.expand("MAILER-DAEMON@mx.example.test");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == LocalActionKind::kDiscard);
  CHECK(r[0].text == "discarded");
  CHECK(a.warnings_ == "required alias not found: mailer-daemon\n");
}

TEST_CASE("a .forward replaces the mailbox and may keep a copy with \\user", "[local]") {
  Aliases a(Aliases::Entries{});
  a.dir().write("forward.nobody", "# mine\nroot, \\nobody\n");
  auto r = a.expand("nobody@mx.example.test");
  REQUIRE(r.size() == 2);
  CHECK(r[0].user->name == "root");
  CHECK(r[1].kind == LocalActionKind::kMailbox);
  CHECK(r[1].user->name == "nobody");
}

TEST_CASE(":include: files are read and expanded", "[local]") {
  Aliases a(Aliases::Entries{});
  std::string list = a.dir().write("list.txt", "root\n|/bin/true\n");
  Aliases b({{"staff", ":include:" + list}});
  auto r = b.expand("staff@mx.example.test");
  REQUIRE(r.size() == 2);
  CHECK(r[0].kind == LocalActionKind::kMailbox);
  CHECK(r[1].kind == LocalActionKind::kCommand);
  CHECK(r[1].source == mail::LocalSource::kInclude);
}

TEST_CASE("an alias loop through two names ends without hanging", "[local]") {
  Aliases a({{"a", "b"}, {"b", "a"}});
  auto r = a.expand("a@mx.example.test");
  REQUIRE(r.size() == 1);
  // "a" is already being expanded: no alias lookup, no such user.
  CHECK(r[0].kind == LocalActionKind::kBounce);
}
