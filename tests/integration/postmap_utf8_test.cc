// postmap and postalias in UTF-8 mode (smtputf8_enable = yes, the default
// from compatibility_level 1 on) and with -u: Unicode case folding of keys,
// non-UTF-8 keys, values and source lines, and .db files shared with
// Postfix's own tools in both directions. Facts observed on Postfix 3.7.11.
#include <catch.hpp>
#include <string>
#include <vector>

#include "tests/integration/table_fixture.h"

using table_test::TableDir;

namespace {

// Line 6 is not UTF-8; "ﬁ" is a ligature that folds to "fi".
const std::string kSource =
    "ÉCOLE a\n"
    "Straße b\n"
    "ΣΊΣΥΦΟΣ c\n"
    "İstanbul d\n"
    "MiXeD g\n"
    "BAD\xff\xc9 f\n"
    "ﬁ h\n";

const std::vector<std::string> kKeys = {
    "école", "ÉCOLE", "École",    "STRASSE",  "straße", "σίσυφος",     "ΣΊΣΥΦΟΣ",
    "FI",    "ﬁ",     "İSTANBUL", "istanbul", "mixed",  "bad\xff\xc9", "BAD\xff\xc9"};

// A table directory whose main.cf says what Debian's says.
void utf8_config(const TableDir& t, bool enable = true) {
  t.write("main.cf", std::string("myhostname = test.example\ncompatibility_level = 3.6\n") +
                         (enable ? "" : "smtputf8_enable = no\n"));
}

std::string query(const TableDir& t, const std::string& cmd, const std::vector<std::string>& opts,
                  const std::string& key, const std::string& table, bool theirs = false) {
  std::vector<std::string> args = opts;
  args.insert(args.end(), {"-q", key, table});
  auto r = theirs ? t.theirs(cmd, args) : t.ours(cmd, args);
  return r.out + "|" + r.err + "|" + std::to_string(r.exit_status);
}

}  // namespace

TEST_CASE("postmap in UTF-8 mode folds non-ASCII keys with full Unicode case folding", "[tables]") {
  TableDir t;
  utf8_config(t);
  t.write("t", kSource);
  auto built = t.ours("postmap", {"hash:t"});
  CHECK(built.exit_status == 0);
  CHECK(built.err ==
        "postmap: warning: t, line 6: non-UTF-8 input \"BAD?? f\" -- ignoring this line\n");
  auto dump = t.ours("postmap", {"-s", "hash:t"});
  CHECK(dump.out.find("strasse\tb\n") != std::string::npos);
  CHECK(dump.out.find("σίσυφοσ\tc\n") != std::string::npos);
  CHECK(dump.out.find("i\xCC\x87stanbul\td\n") != std::string::npos);
  CHECK(dump.out.find("fi\th\n") != std::string::npos);
  CHECK(t.ours("postmap", {"-q", "STRASSE", "hash:t"}).out == "b\n");
  CHECK(t.ours("postmap", {"-q", "straße", "hash:t"}).out == "b\n");
  CHECK(t.ours("postmap", {"-q", "école", "hash:t"}).out == "a\n");
  CHECK(t.ours("postmap", {"-q", "σίσυφος", "hash:t"}).out == "c\n");
}

TEST_CASE("postmap -u and smtputf8_enable = no fold ASCII only and accept any bytes", "[tables]") {
  TableDir t;
  utf8_config(t);
  t.write("t", kSource);
  auto built = t.ours("postmap", {"-u", "hash:t"});
  CHECK(built.exit_status == 0);
  CHECK(built.err.empty());
  CHECK(t.ours("postmap", {"-u", "-q", "ÉCOLE", "hash:t"}).out == "a\n");
  CHECK(t.ours("postmap", {"-u", "-q", "École", "hash:t"}).out == "a\n");
  CHECK(t.ours("postmap", {"-u", "-q", "école", "hash:t"}).exit_status == 1);
  CHECK(t.ours("postmap", {"-u", "-q", "bad\xff\xc9", "hash:t"}).out == "f\n");
  // The UTF-8 fold of "ÉCOLE" is not what -u stored.
  CHECK(t.ours("postmap", {"-q", "ÉCOLE", "hash:t"}).exit_status == 1);

  utf8_config(t, false);
  t.write("t2", kSource);
  CHECK(t.ours("postmap", {"hash:t2"}).err.empty());
  CHECK(t.ours("postmap", {"-q", "Straße", "hash:t2"}).out == "b\n");
  CHECK(t.ours("postmap", {"-q", "STRASSE", "hash:t2"}).exit_status == 1);
}

TEST_CASE("postmap in UTF-8 mode warns about a non-UTF-8 key and does not find it in any table",
          "[tables]") {
  TableDir t;
  utf8_config(t);
  t.write("t", kSource);
  t.write("re", "/^bad/ x\n");
  REQUIRE(t.ours("postmap", {"-u", "hash:t"}).exit_status == 0);
  auto q = t.ours("postmap", {"-q", "bad\xff\xc9", "hash:t"});
  CHECK(q.exit_status == 1);
  CHECK(q.err ==
        "postmap: warning: hash:t.db: non-UTF-8 key \"bad??\": malformed UTF-8 or invalid "
        "codepoint\n");
  auto re = t.ours("postmap", {"-q", "bad\xff", "regexp:re"});
  CHECK(re.exit_status == 1);
  CHECK(re.err ==
        "postmap: warning: regexp:re: non-UTF-8 key \"bad?\": malformed UTF-8 or invalid "
        "codepoint\n");
  // -d: nothing removed, yet exit status 0, as Postfix.
  CHECK(t.ours("postmap", {"-d", "bad\xff\xc9", "hash:t"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-u", "-q", "bad\xff\xc9", "hash:t"}).out == "f\n");
}

TEST_CASE("postmap in UTF-8 mode dies on a non-UTF-8 value with Postfix's query error",
          "[tables]") {
  TableDir t;
  utf8_config(t);
  t.write("t", "k v\xff\n");
  REQUIRE(t.ours("postmap", {"-u", "hash:t"}).exit_status == 0);
  auto q = t.ours("postmap", {"-q", "k", "hash:t"});
  CHECK(q.exit_status == 1);
  CHECK(q.err ==
        "postmap: warning: hash:t.db: key \"k\": non-UTF-8 value \"v?\": malformed UTF-8 or "
        "invalid codepoint\npostmap: fatal: table hash:t.db: query error\n");
}

TEST_CASE("postalias in UTF-8 mode folds Unicode names and skips non-UTF-8 lines", "[tables]") {
  TableDir t;
  utf8_config(t);
  t.write("aliases", "ÉCOLE: a\nStraße: b, c\nBAD\xff: f\n");
  auto built = t.ours("postalias", {"hash:aliases"});
  CHECK(built.exit_status == 0);
  CHECK(built.err ==
        "postalias: warning: aliases, line 3: non-UTF-8 input \"BAD?: f\" -- ignoring this "
        "line\n");
  CHECK(t.ours("postalias", {"-q", "STRASSE", "hash:aliases"}).out == "b, c\n");
  CHECK(t.ours("postalias", {"-q", "école", "hash:aliases"}).out == "a\n");
  CHECK(t.ours("postalias", {"-u", "-q", "école", "hash:aliases"}).out == "a\n");
  CHECK(t.ours("postalias", {"-u", "-q", "ÉCOLE", "hash:aliases"}).exit_status == 1);
}

TEST_CASE("postmap in UTF-8 mode and with -u builds and answers as Postfix's postmap",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  for (const std::vector<std::string>& opts : {std::vector<std::string>{}, {"-u"}, {"-f"}}) {
    for (bool enable : {true, false}) {
      INFO("options " << (opts.empty() ? "" : opts[0]) << " smtputf8_enable " << enable);
      TableDir ours, theirs;
      utf8_config(ours, enable);
      utf8_config(theirs, enable);
      ours.write("t", kSource);
      theirs.write("t", kSource);
      std::vector<std::string> args = opts;
      args.push_back("hash:t");
      auto a = ours.ours("postmap", args);
      auto b = theirs.theirs("postmap", args);
      CHECK(a.err == b.err);
      CHECK(a.exit_status == b.exit_status);
      CHECK(table_test::db_pairs(ours.file("t.db")) == table_test::db_pairs(theirs.file("t.db")));
      for (const auto& key : kKeys) {
        INFO("key " << key);
        // Each program on each table: ours on theirs and theirs on ours too.
        CHECK(query(ours, "postmap", opts, key, "hash:t") ==
              query(ours, "postmap", opts, key, "hash:t", true));
        CHECK(query(theirs, "postmap", opts, key, "hash:t") ==
              query(theirs, "postmap", opts, key, "hash:t", true));
      }
    }
  }
}

TEST_CASE("postalias tables in UTF-8 mode answer alike to either program's postalias and postmap",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postalias", "interop")) return;
  const std::string source = "ÉCOLE: a\nStraße: b, c\nBAD\xff: f\nMiXeD: g\n";
  for (const std::vector<std::string>& opts : {std::vector<std::string>{}, {"-u"}}) {
    TableDir ours, theirs;
    utf8_config(ours);
    utf8_config(theirs);
    ours.write("aliases", source);
    theirs.write("aliases", source);
    std::vector<std::string> args = opts;
    args.push_back("hash:aliases");
    auto a = ours.ours("postalias", args);
    auto b = theirs.theirs("postalias", args);
    CHECK(a.err == b.err);
    CHECK(a.exit_status == b.exit_status);
    CHECK(table_test::db_pairs(ours.file("aliases.db"), {"YP_"}) ==
          table_test::db_pairs(theirs.file("aliases.db"), {"YP_"}));
    for (const std::string key : {"école", "ÉCOLE", "STRASSE", "Straße", "mixed", "x\xff"}) {
      for (const std::string cmd : {"postalias", "postmap"}) {
        INFO(cmd << " -q " << key);
        CHECK(query(ours, cmd, opts, key, "hash:aliases") ==
              query(ours, cmd, opts, key, "hash:aliases", true));
        CHECK(query(theirs, cmd, opts, key, "hash:aliases") ==
              query(theirs, cmd, opts, key, "hash:aliases", true));
      }
    }
  }
}

TEST_CASE("postmap -q - in UTF-8 mode answers each line as Postfix's postmap",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  TableDir t;
  utf8_config(t);
  t.write("t", kSource);
  REQUIRE(t.theirs("postmap", {"hash:t"}).exit_status == 0);
  const std::string input = "bad\xff\nStraße\nÉCOLE\nnone\nσίσυφος\n";
  for (const std::string table : {"hash:t", "texthash:t"}) {
    auto a = t.ours("postmap", {"-q", "-", table}, input);
    auto b = t.theirs("postmap", {"-q", "-", table}, input);
    CHECK(a.out == b.out);
    CHECK(a.err == b.err);
    CHECK(a.exit_status == b.exit_status);
  }
}
