// postalias and newaliases as a user runs them, and alias tables shared
// with Postfix's own postalias (compat/tables.md §1-§3, cli.md §8).
#include <sys/stat.h>

#include <catch.hpp>
#include <string>

#include "tests/integration/table_fixture.h"

using table_test::TableDir;

TEST_CASE("postalias builds an alias table with the sendmail and YP entries", "[tables]") {
  TableDir t;
  t.copy_data("aliases");
  auto built = t.ours("postalias", {"aliases"});
  REQUIRE(built.exit_status == 0);
  CHECK(built.err.empty());
  CHECK(t.ours("postalias", {"-q", "ROOT", "aliases"}).out == "Cmpuser, Other@Example.COM\n");
  CHECK(t.ours("postalias", {"-q", "list", "aliases"}).out == "a, b\n");
  CHECK(t.ours("postalias", {"-q", "quoted name", "aliases"}).out == "x\n");
  auto s = t.ours("postalias", {"-s", "aliases"});
  CHECK(s.exit_status == 0);
  CHECK(s.out.find("@:\t@\n") != std::string::npos);
  CHECK(s.out.find("YP_MASTER_NAME:\ttest.example\n") != std::string::npos);
  CHECK(s.out.find("YP_LAST_MODIFIED:\t") != std::string::npos);
  CHECK(s.out.find("postmaster:\troot\n") != std::string::npos);
}

TEST_CASE("postalias warns about bad lines with file and line and builds the rest", "[tables]") {
  TableDir t;
  t.copy_data("aliases_mixed", "al");
  auto built = t.ours("postalias", {"al"});
  CHECK(built.exit_status == 0);
  CHECK(built.err ==
        "postalias: warning: al, line 5: need name:value pair\n"
        "postalias: warning: al, line 15: name must be local\n");
  CHECK(t.ours("postalias", {"-q", "LIST2", "al"}).out == "a, b c\n");
  CHECK(t.ours("postalias", {"-q", "x", "al"}).out == "spaced value\n");
  CHECK(t.ours("postalias", {"-q", "k12", "al"}).out == "\"a,b\"\n");
  CHECK(t.ours("postalias", {"-q", "k4", "al"}).out == "|/usr/bin/prog arg\n");
}

TEST_CASE("postalias -q - prints name colon TAB value", "[tables]") {
  TableDir t;
  t.copy_data("seed_aliases", "aliases");
  REQUIRE(t.ours("postalias", {"hash:aliases"}).exit_status == 0);
  auto r = t.ours("postalias", {"-q", "-", "hash:aliases"}, "support\nnobody\nROOT\n");
  CHECK(r.exit_status == 0);
  CHECK(r.out ==
        "support:\tyouremail@gmail.com, another@gmail.com\nROOT:\tyouremail@gmail.com\n");
}

TEST_CASE("postalias -i adds aliases and -d removes them", "[tables]") {
  TableDir t;
  t.copy_data("seed_aliases", "aliases");
  REQUIRE(t.ours("postalias", {"aliases"}).exit_status == 0);
  auto added = t.ours("postalias", {"-i", "aliases"}, "extra: a,\n  b\nbad\n");
  CHECK(added.exit_status == 0);
  CHECK(added.err == "postalias: warning: stdin, line 3: need name:value pair\n");
  CHECK(t.ours("postalias", {"-q", "extra", "aliases"}).out == "a, b\n");
  CHECK(t.ours("postalias", {"-d", "extra", "aliases"}).exit_status == 0);
  CHECK(t.ours("postalias", {"-q", "extra", "aliases"}).exit_status == 1);
  CHECK(t.ours("postalias", {"-q", "postmaster", "aliases"}).out == "root\n");
}

TEST_CASE("postalias -n leaves out the NUL but the YP entries never have one", "[tables]") {
  if (!test::have_program("db_dump")) {
    WARN("SKIPPED: db_dump is not installed");
    return;
  }
  TableDir t;
  t.write("al", "Root: x\n");
  REQUIRE(t.ours("postalias", {"-n", "al"}).exit_status == 0);
  auto pairs = table_test::db_pairs(t.file("al.db"), {"YP_LAST_MODIFIED"});
  CHECK(pairs == std::vector<std::string>{" @ =>  @", " YP_MASTER_NAME =>  test.example",
                                          " root =>  x"});
  REQUIRE(t.ours("postalias", {"al"}).exit_status == 0);
  pairs = table_test::db_pairs(t.file("al.db"), {"YP_LAST_MODIFIED"});
  CHECK(pairs == std::vector<std::string>{" @\\00 =>  @\\00", " YP_MASTER_NAME =>  test.example",
                                          " root\\00 =>  x\\00"});
}

TEST_CASE("postalias rejects options only postmap has", "[tables]") {
  TableDir t;
  auto r = t.ours("postalias", {"-b", "x"});
  CHECK(r.exit_status == 1);
  CHECK(r.err ==
        "postalias: invalid option -- 'b'\n"
        "postalias: fatal: usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] "
        "[map_type:]file...\n");
}

TEST_CASE("newaliases rebuilds every table in alias_database silently", "[tables]") {
  TableDir t;
  t.copy_data("seed_aliases", "aliases");
  t.copy_data("aliases", "more");
  t.write("main.cf", "myhostname = test.example\nalias_database = hash:" + t.file("aliases") +
                         ", btree:" + t.file("more") + "\n");
  test::RunOptions options;
  options.env["MAIL_CONFIG"] = t.path();
  auto r = test::run({test::command("newaliases")}, options);
  CHECK(r.exit_status == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK(t.ours("postalias", {"-q", "support", "aliases"}).out ==
        "youremail@gmail.com, another@gmail.com\n");
  CHECK(t.ours("postalias", {"-q", "root", "btree:more"}).out == "Cmpuser, Other@Example.COM\n");
}

// ---- Interop with Postfix's own postalias ----------------------------------

TEST_CASE("alias tables built by our postalias match Postfix's entry for entry",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postalias", "interop")) return;
  const std::vector<std::string> keys = {"root", "Root", "postmaster", "list", "quoted name",
                                         "list2", "x", "k3", "k4", "k6", "k7", "k8", "k9",
                                         "k12", "k13", "k15", "support", "@", "nosuch"};
  for (std::string source : {"aliases", "aliases_mixed", "seed_aliases"}) {
    for (std::string type : {"hash", "btree"}) {
      for (std::string nul : {"-N", "-n"}) {
        INFO(source << " " << type << " " << nul);
        TableDir t;
        t.copy_data(source, "ref");
        t.copy_data(source, "mine");
        auto ref_build = t.theirs("postalias", {nul, type + ":ref"});
        auto our_build = t.ours("postalias", {nul, type + ":mine"});
        REQUIRE(ref_build.exit_status == 0);
        REQUIRE(our_build.exit_status == 0);
        // Same warnings, apart from the file name.
        std::string their_err = ref_build.err;
        for (size_t p; (p = their_err.find(": ref,")) != std::string::npos;)
          their_err.replace(p, 6, ": mine,");
        CHECK(our_build.err == their_err);
        for (const auto& key : keys) {
          INFO("key " << key);
          auto from_ours = t.theirs("postalias", {"-q", key, type + ":mine"});
          auto from_ref = t.theirs("postalias", {"-q", key, type + ":ref"});
          auto ours_reading_ref = t.ours("postalias", {"-q", key, type + ":ref"});
          CHECK(from_ours.exit_status == from_ref.exit_status);
          CHECK(from_ours.out == from_ref.out);
          CHECK(ours_reading_ref.out == from_ref.out);
        }
        CHECK(table_test::db_pairs(t.file("mine.db"), {"YP_LAST_MODIFIED"}) ==
              table_test::db_pairs(t.file("ref.db"), {"YP_LAST_MODIFIED"}));
      }
    }
  }
}

TEST_CASE("Postfix's newaliases-built table reads the same through our postalias",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postalias", "interop")) return;
  TableDir t;
  t.copy_data("seed_aliases", "aliases");
  REQUIRE(t.theirs("postalias", {"hash:aliases"}).exit_status == 0);
  auto ours = t.ours("postalias", {"-s", "hash:aliases"});
  auto ref = t.theirs("postalias", {"-s", "hash:aliases"});
  CHECK(ours.out == ref.out);
}
