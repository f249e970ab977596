// postmap as a user runs it: building, querying, editing, listing, errors,
// and tables shared with Postfix's own postmap (compat/tables.md §1-§3).
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <string>

#include "tests/integration/table_fixture.h"

using table_test::TableDir;

TEST_CASE("postmap builds a hash table that answers -q with the source's values", "[tables]") {
  TableDir t;
  t.copy_data("access");
  auto built = t.ours("postmap", {"access"});
  REQUIRE(built.exit_status == 0);
  CHECK(built.err.empty());
  auto q = t.ours("postmap", {"-q", "user@example.com", "access"});
  CHECK(q.exit_status == 0);
  CHECK(q.out == "OK\n");
  CHECK(t.ours("postmap", {"-q", "user@", "hash:access"}).out ==
        "DUNNO localpart  continued-not-key\n");
  CHECK(t.ours("postmap", {"-q", "key", "access"}).out == "with spaces value\n");
  auto missing = t.ours("postmap", {"-q", "nobody@example.com", "access"});
  CHECK(missing.exit_status == 1);
  CHECK(missing.out.empty());
}

TEST_CASE("postmap folds keys to lower case unless -f", "[tables]") {
  TableDir t;
  t.write("dup", "a 1\nb 2\nA 3\n");
  auto built = t.ours("postmap", {"dup"});
  CHECK(built.exit_status == 0);
  CHECK(built.err == "postmap: warning: dup.db: duplicate entry: \"a\"\n");
  CHECK(t.ours("postmap", {"-q", "A", "dup"}).out == "1\n");

  REQUIRE(t.ours("postmap", {"-f", "dup"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-fq", "A", "dup"}).out == "3\n");
  CHECK(t.ours("postmap", {"-fq", "a", "dup"}).out == "1\n");
}

TEST_CASE("postmap -r keeps the last duplicate and -w the first, both silently", "[tables]") {
  TableDir t;
  t.write("dup", "a 1\nA 3\n");
  auto r = t.ours("postmap", {"-r", "dup"});
  CHECK(r.err.empty());
  CHECK(t.ours("postmap", {"-q", "a", "dup"}).out == "3\n");
  auto w = t.ours("postmap", {"-w", "dup"});
  CHECK(w.err.empty());
  CHECK(t.ours("postmap", {"-q", "a", "dup"}).out == "1\n");
}

TEST_CASE("postmap warns about a line without a value and still builds the rest", "[tables]") {
  TableDir t;
  t.write("bad", "nokey\ngood value\n");
  auto r = t.ours("postmap", {"bad"});
  CHECK(r.exit_status == 0);
  CHECK(r.err == "postmap: warning: bad, line 1: expected format: key whitespace value\n");
  CHECK(t.ours("postmap", {"-q", "good", "bad"}).out == "value\n");
}

TEST_CASE("postmap -q - prints key and value for each key found", "[tables]") {
  TableDir t;
  t.write("m1", "a 1\nb 2\n");
  t.write("m2", "b 3\nc 4\n");
  REQUIRE(t.ours("postmap", {"m1", "m2"}).exit_status == 0);
  auto r = t.ours("postmap", {"-q", "-", "m1", "m2"}, "a\nc\nq\nB\n");
  CHECK(r.exit_status == 0);
  CHECK(r.out == "a\t1\nc\t4\nB\t2\n");
  auto none = t.ours("postmap", {"-q", "-", "m1"}, "zz\n");
  CHECK(none.exit_status == 1);
  CHECK(none.out.empty());
  // The first table that has the key answers.
  CHECK(t.ours("postmap", {"-q", "b", "m2", "m1"}).out == "3\n");
}

TEST_CASE("postmap -d removes a key from every table and exits 1 when none had it", "[tables]") {
  TableDir t;
  t.write("m1", "a 1\nb 2\n");
  t.write("m2", "b 3\nc 4\n");
  REQUIRE(t.ours("postmap", {"m1", "m2"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-d", "B", "m1", "m2"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-q", "b", "m1", "m2"}).exit_status == 1);
  CHECK(t.ours("postmap", {"-d", "zz", "m1"}).exit_status == 1);
  CHECK(t.ours("postmap", {"-d", "-", "m1", "m2"}, "a\nc\n").exit_status == 0);
  auto s = t.ours("postmap", {"-s", "m1", "m2"});
  CHECK(s.exit_status == 0);
  CHECK(s.out.empty());
}

TEST_CASE("postmap -i adds entries from standard input to an existing table", "[tables]") {
  TableDir t;
  t.write("m1", "a 1\n");
  REQUIRE(t.ours("postmap", {"m1"}).exit_status == 0);
  auto r = t.ours("postmap", {"-i", "m1"}, "New V\nc 9\nc 10\n");
  CHECK(r.exit_status == 0);
  CHECK(r.err == "postmap: warning: m1.db: duplicate entry: \"c\"\n");
  CHECK(t.ours("postmap", {"-q", "a", "m1"}).out == "1\n");
  CHECK(t.ours("postmap", {"-q", "NEW", "m1"}).out == "V\n");
  CHECK(t.ours("postmap", {"-q", "c", "m1"}).out == "9\n");
  t.ours("postmap", {"-ir", "m1"}, "c 11\n");
  CHECK(t.ours("postmap", {"-q", "c", "m1"}).out == "11\n");
}

TEST_CASE("postmap -s lists every entry as key TAB value", "[tables]") {
  TableDir t;
  t.copy_data("t2");
  REQUIRE(t.ours("postmap", {"btree:t2"}).exit_status == 0);
  auto s = t.ours("postmap", {"-s", "btree:t2"});
  CHECK(s.exit_status == 0);
  // btree order is key order.
  CHECK(s.out == "k1\tv1    four spaces\nk2\tv2 tab\tcont-tab\nk3\tV3 Mixed\n");
}

TEST_CASE("postmap builds the sasl_passwd recipe with a [host]:port key", "[tables]") {
  TableDir t;
  t.copy_data("sasl_passwd");
  REQUIRE(t.ours("postmap", {"sasl_passwd"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-q", "[SMTP.myprovider.com]:587", "sasl_passwd"}).out ==
        "neil@mydomain.com:mypassword\n");
  struct stat st {};
  REQUIRE(::stat(t.file("sasl_passwd.db").c_str(), &st) == 0);
}

TEST_CASE("postmap copies the source file's mode unless -p", "[tables]") {
  TableDir t;
  t.write("secret", "k v\n", 0640);
  ::chmod(t.file("secret").c_str(), 0640);  // whatever the umask did
  REQUIRE(t.ours("postmap", {"secret"}).exit_status == 0);
  struct stat st {};
  REQUIRE(::stat(t.file("secret.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  ::unlink(t.file("secret.db").c_str());
  REQUIRE(t.ours("postmap", {"-p", "secret"}).exit_status == 0);
  REQUIRE(::stat(t.file("secret.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == (0644 & ~[] {
          mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
}

TEST_CASE("postmap run as root becomes the source file's owner unless -o", "[tables]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root to change users");
    return;
  }
  TableDir t;
  t.write("own", "k v\n", 0600);
  REQUIRE(::chown(t.file("own").c_str(), 65534, 65534) == 0);
  // The directory belongs to root, so the owner cannot create the table there.
  auto r = t.ours("postmap", {"own"});
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postmap: fatal: open database own.db: Permission denied\n");
  auto o = t.ours("postmap", {"-o", "own"});
  CHECK(o.exit_status == 0);
  struct stat st {};
  REQUIRE(::stat(t.file("own.db").c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("postmap reports missing files, bad types and corrupt tables clearly", "[tables]") {
  TableDir t;
  t.write("re", "x y\n");
  t.write("bad.db", "garbage\n");
  auto r = t.ours("postmap", {"-q", "a", "nosuchfile"});
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postmap: fatal: open database nosuchfile.db: No such file or directory\n");
  r = t.ours("postmap", {"nosuchfile"});
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postmap: fatal: open nosuchfile: No such file or directory\n");
  r = t.ours("postmap", {"regexp:re"});
  CHECK(r.exit_status == 1);
  CHECK(r.err ==
        "postmap: fatal: unsupported dictionary type: regexp does not support bulk-mode creation.\n");
  r = t.ours("postmap", {"-s", "regexp:re"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.find("postmap: fatal: table regexp:re: sequence operation is not supported\n") !=
        std::string::npos);
  r = t.ours("postmap", {"-q", "a", "foo:re"});
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postmap: fatal: unsupported dictionary type: foo\n");
  r = t.ours("postmap", {"-q", "a", "bad"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.rfind("postmap: fatal: open database bad.db: ", 0) == 0);
}

TEST_CASE("postmap rejects bad command lines in Postfix's words", "[tables]") {
  TableDir t;
  auto r = t.ours("postmap", {});
  CHECK(r.exit_status == 1);
  CHECK(r.err ==
        "postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] "
        "[map_type:]file...\n");
  r = t.ours("postmap", {"-Z", "x"});
  CHECK(r.exit_status == 1);
  CHECK(r.err.rfind("postmap: invalid option -- 'Z'\n", 0) == 0);
  CHECK(t.ours("postmap", {"-q", "a", "-s", "x"}).err ==
        "postmap: fatal: specify only one of -s or -q or -d\n");
  CHECK(t.ours("postmap", {"-s", "-q", "a", "x"}).err ==
        "postmap: fatal: specify only one of -s -q or -d\n");
  auto nodir = test::run({test::command("postmap"), "-c", "/nonexistent-dir", "-q", "a", "x"});
  CHECK(nodir.exit_status == 1);
  CHECK(nodir.err == "postmap: fatal: open /nonexistent-dir/main.cf: No such file or directory\n");
}

TEST_CASE("postmap -F stores file contents base64-encoded and decodes them on query", "[tables]") {
  TableDir t;
  t.write("chain1.pem", "first\n");
  t.write("chain2.pem", "second\n");
  t.write("sni", "example.com chain1.pem chain2.pem\n");
  REQUIRE(t.ours("postmap", {"-F", "sni"}).exit_status == 0);
  CHECK(t.ours("postmap", {"-q", "example.com", "sni"}).out == "Zmlyc3QKCnNlY29uZAo=\n");
  CHECK(t.ours("postmap", {"-Fq", "example.com", "sni"}).out == "first\n\nsecond\n\n");
}

TEST_CASE("postmap -h and -b query a message's headers and body lines", "[tables]") {
  TableDir t;
  t.write("hre", "/^Subject:/ HIT subj\n/^X-Long:/ HIT long\n/^body line/ HIT body\n");
  const std::string msg =
      "Subject: hello\nX-Long: a\n\tb\nFrom: x\n\nbody line 1\nother\n";
  auto h = t.ours("postmap", {"-h", "-q", "-", "regexp:hre"}, msg);
  CHECK(h.exit_status == 0);
  CHECK(h.out == "Subject: hello\tHIT subj\nX-Long: a\n\tb\tHIT long\n");
  auto b = t.ours("postmap", {"-b", "-q", "-", "regexp:hre"}, msg);
  CHECK(b.out == "body line 1\tHIT body\n");
}

// ---- Interop with Postfix's own postmap ------------------------------------

namespace {

void check_same_answers(const TableDir& t, const std::string& table,
                        const std::vector<std::string>& keys, const std::string& reader) {
  for (const auto& key : keys) {
    auto ours = reader == "ours" ? t.ours("postmap", {"-q", key, table})
                                 : t.theirs("postmap", {"-q", key, table});
    auto ref = t.theirs("postmap", {"-q", key, table});
    INFO("key " << key << " in " << table);
    CHECK(ours.exit_status == ref.exit_status);
    CHECK(ours.out == ref.out);
  }
}

}  // namespace

TEST_CASE("a table built by our postmap answers Postfix's postmap -q the same", "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  const std::vector<std::string> keys = {"user@example.com", "USER@EXAMPLE.COM", "example.com",
                                         "@example.net",     "user@",            "10.1.2.3",
                                         "10.1",             "key",              "missing"};
  for (std::string type : {"hash", "btree"}) {
    for (std::string nul : {"-N", "-n"}) {
      INFO(type << " " << nul);
      TableDir t;
      t.copy_data("access", "ref");
      t.copy_data("access", "mine");
      REQUIRE(t.theirs("postmap", {nul, type + ":ref"}).exit_status == 0);
      REQUIRE(t.ours("postmap", {nul, type + ":mine"}).exit_status == 0);
      for (const auto& key : keys) {
        auto from_ours = t.theirs("postmap", {"-q", key, type + ":mine"});
        auto from_ref = t.theirs("postmap", {"-q", key, type + ":ref"});
        auto ours_reading_ref = t.ours("postmap", {"-q", key, type + ":ref"});
        INFO("key " << key);
        CHECK(from_ours.exit_status == from_ref.exit_status);
        CHECK(from_ours.out == from_ref.out);
        CHECK(ours_reading_ref.exit_status == from_ref.exit_status);
        CHECK(ours_reading_ref.out == from_ref.out);
      }
      CHECK(table_test::db_pairs(t.file("mine.db")) == table_test::db_pairs(t.file("ref.db")));
    }
  }
}

TEST_CASE("the seed recipes' tables read the same in Postfix and Postern", "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  TableDir t;
  t.copy_data("sasl_passwd");
  t.copy_data("seed_access", "access");
  REQUIRE(t.ours("postmap", {"sasl_passwd"}).exit_status == 0);
  REQUIRE(t.ours("postmap", {"hash:access"}).exit_status == 0);
  check_same_answers(t, "sasl_passwd", {"[smtp.myprovider.com]:587", "smtp.myprovider.com"},
                     "theirs");
  check_same_answers(t, "hash:access",
                     {"127.0.0.1", "192.168.100", "spammer.example", ".example.org", "x"},
                     "theirs");
  auto ours_db = table_test::db_pairs(t.file("access.db"));
  REQUIRE(t.theirs("postmap", {"hash:access"}).exit_status == 0);
  CHECK(ours_db == table_test::db_pairs(t.file("access.db")));
  // And ours reads theirs.
  check_same_answers(t, "hash:access", {"127.0.0.1", "192.168.100", ".example.org", "x"}, "ours");
}

TEST_CASE("our postmap -s and -q - agree with Postfix's on the same table", "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  TableDir t;
  t.copy_data("access");
  REQUIRE(t.theirs("postmap", {"access"}).exit_status == 0);
  auto ours = t.ours("postmap", {"-s", "access"});
  auto ref = t.theirs("postmap", {"-s", "access"});
  CHECK(ours.out == ref.out);
  const std::string keys = "user@example.com\nnope\n10.1\nUser@\n";
  auto bulk = t.ours("postmap", {"-q", "-", "access"}, keys);
  auto ref_bulk = t.theirs("postmap", {"-q", "-", "access"}, keys);
  CHECK(bulk.out == ref_bulk.out);
  CHECK(bulk.exit_status == ref_bulk.exit_status);
}
