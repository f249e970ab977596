// hash: and btree: tables against real Berkeley DB files, including files
// built by Postfix's own postmap (committed samples and, where installed,
// the oracle run live).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>

#include "libutil/dict.h"
#include "tests/support/log_capture.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/paths.h"

namespace {

std::unique_ptr<util::Dict> open_or_fail(const std::string& type_name,
                                         const util::DictOpenOptions& options = {}) {
  auto d = util::dict_open(type_name, options);
  if (!d) FAIL(d.error().message);
  return std::move(*d);
}

util::DictOpenOptions build_options() {
  util::DictOpenOptions o;
  o.create = true;
  o.writable = true;
  return o;
}

// Build TYPE:PATH from key/value pairs and commit it.
void build(const std::string& type_name, const std::vector<std::pair<std::string, std::string>>& kv,
           util::DictOpenOptions options = build_options()) {
  auto d = open_or_fail(type_name, options);
  for (const auto& [k, v] : kv) REQUIRE(d->update(k, v));
  REQUIRE(d->commit());
}

std::optional<std::string> lookup(util::Dict& d, std::string_view key) {
  auto r = d.lookup(key);
  if (!r) FAIL(r.error().message);
  return *r;
}

// Postfix's postmap, run on a scratch configuration (never /etc/postfix).
test::RunResult oracle_postmap(const test::TempDir& dir, std::vector<std::string> args) {
  dir.write("oracle-conf/main.cf", "");
  std::vector<std::string> argv = {"/usr/sbin/postmap", "-c", dir.file("oracle-conf")};
  argv.insert(argv.end(), args.begin(), args.end());
  test::RunOptions ro;
  ro.cwd = dir.path();
  return test::run(argv, ro);
}

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a hash table built here folds keys to lower case and finds them in any case",
          "[tables]") {
  test::TempDir dir;
  build("hash:" + dir.file("access"), {{"User@Example.COM", "OK"}, {"[smtp.Example.com]:587", "u:p"}});
  auto d = open_or_fail("hash:" + dir.file("access"));
  REQUIRE(lookup(*d, "user@example.com") == "OK");
  REQUIRE(lookup(*d, "USER@EXAMPLE.COM") == "OK");
  REQUIRE(lookup(*d, "[SMTP.example.com]:587") == "u:p");
  REQUIRE(lookup(*d, "other@example.com") == std::nullopt);
  REQUIRE(d->type_name() == "hash:" + dir.file("access"));
}

TEST_CASE("without case folding A and a are different keys, in build and lookup", "[tables]") {
  test::TempDir dir;
  auto o = build_options();
  o.fold_case = false;
  build("btree:" + dir.file("t"), {{"a", "1"}, {"A", "3"}}, o);
  util::DictOpenOptions ro;
  ro.fold_case = false;
  auto d = open_or_fail("btree:" + dir.file("t"), ro);
  REQUIRE(lookup(*d, "A") == "3");
  REQUIRE(lookup(*d, "a") == "1");
  auto folded = open_or_fail("btree:" + dir.file("t"));
  REQUIRE(lookup(*folded, "A") == "1");  // the query is folded to "a"
}

TEST_CASE("a duplicate key warns in Postfix's words and the first entry wins", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  build("hash:" + dir.file("dup"), {{"a", "1"}, {"b", "2"}, {"A", "3"}});
  REQUIRE(log.contains("warning: " + dir.file("dup") + ".db: duplicate entry: \"a\""));
  auto d = open_or_fail("hash:" + dir.file("dup"));
  REQUIRE(lookup(*d, "a") == "1");
}

TEST_CASE("duplicates are silently ignored with -w and replaced with -r", "[tables]") {
  test::TempDir dir;
  test::LogCapture log;
  auto o = build_options();
  o.duplicates = util::DictDuplicates::kIgnore;
  build("hash:" + dir.file("w"), {{"a", "1"}, {"a", "2"}}, o);
  o.duplicates = util::DictDuplicates::kReplace;
  build("hash:" + dir.file("r"), {{"a", "1"}, {"a", "2"}}, o);
  REQUIRE_FALSE(log.contains("duplicate entry"));
  REQUIRE(lookup(*open_or_fail("hash:" + dir.file("w")), "a") == "1");
  REQUIRE(lookup(*open_or_fail("hash:" + dir.file("r")), "a") == "2");
}

TEST_CASE("update and remove change an existing table in place", "[tables]") {
  test::TempDir dir;
  build("hash:" + dir.file("t"), {{"a", "1"}, {"b", "2"}});
  {
    util::DictOpenOptions o;
    o.writable = true;
    auto d = open_or_fail("hash:" + dir.file("t"), o);
    REQUIRE(d->update("C", "3"));
    auto removed = d->remove("B");
    REQUIRE(removed);
    REQUIRE(*removed);
    auto again = d->remove("b");
    REQUIRE(again);
    REQUIRE_FALSE(*again);
    REQUIRE(d->commit());
  }
  auto d = open_or_fail("hash:" + dir.file("t"));
  REQUIRE(lookup(*d, "a") == "1");
  REQUIRE(lookup(*d, "b") == std::nullopt);
  REQUIRE(lookup(*d, "c") == "3");
}

TEST_CASE("opening a missing table for update creates it, as postmap -i does", "[tables]") {
  test::TempDir dir;
  util::DictOpenOptions o;
  o.writable = true;
  {
    auto d = open_or_fail("btree:" + dir.file("new"), o);
    REQUIRE(d->update("k", "v"));
  }
  REQUIRE(lookup(*open_or_fail("btree:" + dir.file("new")), "k") == "v");
}

TEST_CASE("for_each lists every entry without the trailing NULs", "[tables]") {
  test::TempDir dir;
  build("btree:" + dir.file("t"), {{"b", "2"}, {"a", "1"}, {"c", "x y"}});
  auto d = open_or_fail("btree:" + dir.file("t"));
  std::vector<std::pair<std::string, std::string>> seen;
  REQUIRE(d->for_each([&](std::string_view k, std::string_view v) { seen.emplace_back(k, v); }));
  // btree walks in key order.
  REQUIRE(seen == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}, {"c", "x y"}});
}

TEST_CASE("a rebuild is invisible until commit and an abandoned build leaves no trace",
          "[tables]") {
  test::TempDir dir;
  const std::string name = "hash:" + dir.file("t");
  build(name, {{"old", "1"}});
  auto reader = open_or_fail(name);
  {
    auto builder = open_or_fail(name, build_options());
    REQUIRE(builder->update("new", "2"));
    // The old file is still what the name holds.
    REQUIRE(lookup(*open_or_fail(name), "old") == "1");
    REQUIRE(lookup(*open_or_fail(name), "new") == std::nullopt);
    REQUIRE(dir_entries(dir.path()).size() == 2);  // t.db and the temporary file
  }
  REQUIRE(dir_entries(dir.path()) == std::vector<std::string>{"t.db"});
  REQUIRE(lookup(*open_or_fail(name), "old") == "1");
  REQUIRE_FALSE(reader->changed());

  auto builder = open_or_fail(name, build_options());
  REQUIRE(builder->update("new", "2"));
  REQUIRE(builder->commit());
  REQUIRE(lookup(*builder, "new") == "2");  // still usable after commit
  REQUIRE(dir_entries(dir.path()) == std::vector<std::string>{"t.db"});
  REQUIRE(reader->changed());
  REQUIRE(lookup(*reader, "old") == "1");  // an open reader keeps its file
  auto fresh = open_or_fail(name);
  REQUIRE(lookup(*fresh, "old") == std::nullopt);
  REQUIRE(lookup(*fresh, "new") == "2");
}

TEST_CASE("a built table takes the requested file mode", "[tables]") {
  test::TempDir dir;
  auto o = build_options();
  o.create_mode = 0640;
  build("hash:" + dir.file("m"), {{"a", "1"}}, o);
  struct stat st {};
  REQUIRE(::stat(dir.file("m.db").c_str(), &st) == 0);
  REQUIRE((st.st_mode & 07777) == 0640);
}

TEST_CASE("a missing table is reported as postmap prints it", "[tables]") {
  test::TempDir dir;
  auto d = util::dict_open("hash:" + dir.file("nosuch"));
  REQUIRE_FALSE(d);
  REQUIRE(d.error().message == "open database " + dir.file("nosuch") + ".db: No such file or directory");
  auto b = util::dict_open("btree:nosuchfile");
  REQUIRE_FALSE(b);
  REQUIRE(b.error().message == "open database nosuchfile.db: No such file or directory");
}

TEST_CASE("a corrupt or foreign .db file is an error, not a crash", "[tables]") {
  test::TempDir dir;
  dir.write("bad.db", "garbage, not a Berkeley DB file\n");
  dir.write("empty.db", "");
  for (const char* type : {"hash:", "btree:"}) {
    auto d = util::dict_open(type + dir.file("bad"));
    REQUIRE_FALSE(d);
    REQUIRE(d.error().message == "open database " + dir.file("bad") + ".db: Invalid argument");
    auto e = util::dict_open(type + dir.file("empty"));
    REQUIRE_FALSE(e);
  }
  // A hash file opened as btree is the wrong type.
  build("hash:" + dir.file("h"), {{"a", "1"}});
  auto wrong = util::dict_open("btree:" + dir.file("h"));
  REQUIRE_FALSE(wrong);
  REQUIRE(wrong.error().message == "open database " + dir.file("h") + ".db: Invalid argument");
}

TEST_CASE("tables built by Postfix are read with and without trailing NULs", "[tables][interop]") {
  const std::string data = test::data_file("dict/");
  for (const char* name : {"hash:postfix-hash", "hash:postfix-hash-nonul", "btree:postfix-btree"}) {
    std::string tn = name;
    tn.insert(tn.find(':') + 1, data);
    auto d = open_or_fail(tn);
    INFO(tn);
    REQUIRE(lookup(*d, "User@Example.com") == "OK");
    REQUIRE(lookup(*d, "example.com") == "REJECT domain");
    REQUIRE(lookup(*d, "user@") == "DUNNO localpart  continued-not-key");
    REQUIRE(lookup(*d, "nosuch") == std::nullopt);
    size_t n = 0;
    REQUIRE(d->for_each([&](std::string_view k, std::string_view v) {
      REQUIRE(k.find('\0') == std::string_view::npos);
      REQUIRE(v.find('\0') == std::string_view::npos);
      ++n;
    }));
    REQUIRE(n == 3);
  }
}

TEST_CASE("Postfix's postmap builds are read here, -n or not", "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  test::TempDir dir;
  dir.write("src", "K1 V1\nk2 v2 two\n");
  for (std::string flag : {"-N", "-n"}) {
    for (std::string type : {"hash", "btree"}) {
      auto r = oracle_postmap(dir, {flag, type + ":src"});
      REQUIRE(r.exit_status == 0);
      auto d = open_or_fail(type + ":" + dir.file("src"));
      INFO(flag << " " << type);
      REQUIRE(lookup(*d, "k1") == "V1");
      REQUIRE(lookup(*d, "K2") == "v2 two");
      util::DictOpenOptions o;
      o.writable = true;
      auto w = open_or_fail(type + ":" + dir.file("src"), o);
      REQUIRE(lookup(*w, "k1") == "V1");  // probing settles the NUL form...
      REQUIRE(w->update("k3", "v3"));     // ...and the update follows it
      w.reset();
      auto q = oracle_postmap(dir, {"-q", "k3", type + ":src"});
      REQUIRE(q.exit_status == 0);
      REQUIRE(q.out == "v3\n");
    }
  }
}

TEST_CASE("tables built here are read by Postfix's postmap -q, with NULs or without",
          "[tables][interop]") {
  if (test::skip_without("/usr/sbin/postmap", "interop")) return;
  test::TempDir dir;
  for (bool nul : {true, false}) {
    for (std::string type : {"hash", "btree"}) {
      auto o = build_options();
      o.append_nul = nul;
      build(type + ":" + dir.file("t"), {{"User@Example.COM", "OK"}, {"k", "a b\tc"}}, o);
      INFO(type << " nul=" << nul);
      auto r = oracle_postmap(dir, {"-q", "USER@example.com", type + ":t"});
      REQUIRE(r.exit_status == 0);
      REQUIRE(r.out == "OK\n");
      auto s = oracle_postmap(dir, {"-s", type + ":t"});
      REQUIRE(s.exit_status == 0);
      REQUIRE(s.out.find("k\ta b\tc\n") != std::string::npos);
      REQUIRE(s.err.empty());
    }
  }
}

TEST_CASE("the Berkeley DB parameters match Postfix's files", "[tables][interop]") {
  if (test::skip_without("/usr/bin/db_dump", "db_dump -p shows the file header")) return;
  test::TempDir dir;
  build("hash:" + dir.file("h"), {{"a", "1"}, {"b", "2"}});
  auto o = build_options();
  o.append_nul = false;
  build("btree:" + dir.file("b"), {{"a", "1"}}, o);
  auto h = test::run({"/usr/bin/db_dump", "-p", dir.file("h.db")});
  REQUIRE(h.exit_status == 0);
  REQUIRE(h.out.find("type=hash\nh_nelem=4098\ndb_pagesize=4096\n") != std::string::npos);
  REQUIRE(h.out.find(" a\\00\n 1\\00\n") != std::string::npos);
  auto b = test::run({"/usr/bin/db_dump", "-p", dir.file("b.db")});
  REQUIRE(b.out.find("type=btree\ndb_pagesize=4096\n") != std::string::npos);
  REQUIRE(b.out.find(" a\n 1\n") != std::string::npos);
}

TEST_CASE("table files are not inherited by programs the process runs", "[tables]") {
  test::TempDir dir;
  build("hash:" + dir.file("t"), {{"a", "1"}});
  auto d = open_or_fail("hash:" + dir.file("t"));
  // Every fd open on t.db must carry close-on-exec.
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (ec || target.string() != dir.file("t.db")) continue;
    int fd = std::stoi(e.path().filename().string());
    REQUIRE((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    ++checked;
  }
  REQUIRE(checked >= 2);  // the lock fd and Berkeley DB's own
}
