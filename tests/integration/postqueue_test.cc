// postqueue -p/-j/-f/-s/-i, mailq and sendmail -bp, the showq and flush
// daemons: listings compared with Postfix 3.7.11's own postqueue on the
// same queue files (tests/data/showq), the direct listing when showq is
// down, and the triggers and file moves that flushing makes.
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "libmail/flush_client.h"
#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/sample_queue.h"

using master_test::Instance;

namespace {

const std::string kDownWarning =
    "postqueue: warning: Mail system is down -- accessing queue directly (Connect to the "
    "Postfix showq service: No such file or directory)\n";
const std::string kFlushDown = "postqueue: fatal: Cannot flush mail queue - mail system is down\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sbin() {
  std::string p = test::command("postqueue");
  return p.substr(0, p.rfind('/'));
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// A configuration directory with a queue and no running system.
struct Offline {
  test::TempDir dir;
  explicit Offline(const std::string& extra = "") {
    dir.write("main.cf", "queue_directory = " + dir.file("queue") +
                             "\ndata_directory = " + dir.file("data") +
                             "\nmaillog_file = " + dir.file("maillog") +
                             "\nmaillog_file_prefixes = /tmp\ncompatibility_level = 3.6\n"
                             "command_directory = " + sbin() + "\n" + extra);
    ::mkdir(dir.file("queue").c_str(), 0755);
  }
  std::string queue() const { return dir.file("queue"); }
  test::RunResult run(const std::vector<std::string>& args,
                      const std::string& program = test::command("postqueue")) const {
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    test::RunOptions o;
    o.env["TZ"] = "UTC";
    o.timeout_seconds = 20;
    return test::run(argv, o);
  }
};

// Everything a listener at `path` got from each client, one string per
// connection already waiting in its backlog.
std::vector<std::string> drain(int listen_fd) {
  std::vector<std::string> got;
  for (;;) {
    auto fd = util::accept_nonblock(listen_fd);
    if (!fd || !*fd) break;
    util::Stream s(std::move(**fd), std::chrono::seconds(2));
    std::string all;
    while (auto chunk = s.read_some(100)) {
      if (chunk->empty()) break;
      all += *chunk;
    }
    got.push_back(all);
  }
  return got;
}

}  // namespace

TEST_CASE("postqueue -p and -j list the queue themselves as root when showq is down",
          "[postqueue]") {
  Offline q;
  test::fill_sample_queue(q.queue());
  auto p = q.run({"-c", q.dir.path(), "-p"});
  CHECK(p.exit_status == 0);
  CHECK(p.err == kDownWarning);
  CHECK(p.out == slurp(test::data_file("showq/expected-p.txt")));
  auto j = q.run({"-c", q.dir.path(), "-j"});
  CHECK(j.exit_status == 0);
  CHECK(j.out == slurp(test::data_file("showq/expected-j.txt")));
  // The log gets the warning too.
  CHECK(q.dir.read("maillog").find("postfix/postqueue[") != std::string::npos);
}

TEST_CASE("postqueue -p prints what Postfix's postqueue prints for the same queue",
          "[postqueue][interop]") {
  if (test::skip_without("/usr/sbin/postqueue", "interop")) return;
  Offline q;
  test::fill_sample_queue(q.queue());
  test::put_queue_file(q.queue(), "hold/ABCDEF", test::make_queue_file("s\"q b", {"a..b@x", ""}, 2000), 0710);
  test::chown_to_postfix(q.queue());
  for (const char* mode : {"-p", "-j"}) {
    INFO(mode);
    auto ours = q.run({"-c", q.dir.path(), mode});
    auto theirs = q.run({"-c", q.dir.path(), mode}, "/usr/sbin/postqueue");
    CHECK(ours.exit_status == theirs.exit_status);
    CHECK(ours.out == theirs.out);
    CHECK(ours.err == theirs.err);
  }
}

TEST_CASE("mailq and sendmail -bp print what postqueue -p prints", "[postqueue]") {
  Offline q;
  test::fill_sample_queue(q.queue());
  auto expected = slurp(test::data_file("showq/expected-p.txt"));
  auto mailq = q.run({"-C", q.dir.path()}, test::command("mailq"));
  CHECK(mailq.exit_status == 0);
  CHECK(mailq.out == expected);
  auto bp = q.run({"-C", q.dir.path(), "-bp"}, test::command("sendmail"));
  CHECK(bp.exit_status == 0);
  CHECK(bp.out == expected);
}

TEST_CASE("postqueue on an empty queue says so; -j prints nothing", "[postqueue]") {
  Offline q;
  test::fill_sample_queue(q.queue());
  for (const char* d : {"maildrop", "active", "incoming", "deferred", "hold"})
    std::filesystem::remove_all(q.queue() + "/" + d);
  auto p = q.run({"-c", q.dir.path(), "-p"});
  CHECK(p.exit_status == 0);
  CHECK(p.out == "Mail queue is empty\n");
  auto j = q.run({"-c", q.dir.path(), "-j"});
  CHECK(j.exit_status == 0);
  CHECK(j.out.empty());
}

TEST_CASE("postqueue usage errors exit 69 with Postfix's usage line", "[postqueue]") {
  Offline q;
  const std::string usage =
      "postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p "
      "| postqueue -s site\n";
  auto none = q.run({"-c", q.dir.path()});
  CHECK(none.exit_status == 69);
  CHECK(none.err == usage);
  auto two = q.run({"-c", q.dir.path(), "-p", "-j"});
  CHECK(two.exit_status == 69);
  CHECK(two.err == usage);
  auto bad = q.run({"-c", q.dir.path(), "-o"});
  CHECK(bad.exit_status == 69);
  CHECK(bad.err == "postqueue: invalid option -- 'o'\n" + usage);
}

TEST_CASE("postqueue -f wakes qmgr with FADI and pickup with W, and fails when qmgr is absent",
          "[postqueue]") {
  Offline q;
  test::fill_sample_queue(q.queue());
  auto down = q.run({"-c", q.dir.path(), "-f"});
  CHECK(down.exit_status == 69);
  CHECK(down.err ==
        "postqueue: warning: unable to look up public/qmgr: No such file or directory\n" +
            kFlushDown);
  auto qmgr = util::unix_listen(q.queue() + "/public/qmgr", 10);
  auto pickup = util::unix_listen(q.queue() + "/public/pickup", 10);
  REQUIRE(qmgr);
  REQUIRE(pickup);
  auto up = q.run({"-c", q.dir.path(), "-f"});
  CHECK(up.exit_status == 0);
  CHECK(up.out.empty());
  CHECK(up.err.empty());
  CHECK(drain(qmgr->get()) == std::vector<std::string>{std::string("FADI\0", 5)});
  CHECK(drain(pickup->get()) == std::vector<std::string>{std::string("W\0", 2)});
}

TEST_CASE("postqueue -s refuses a site outside fast_flush_domains, even when the system is down",
          "[postqueue]") {
  Offline q("fast_flush_domains = example.org\n");
  test::fill_sample_queue(q.queue());
  auto r = q.run({"-c", q.dir.path(), "-s", "example.net"});
  CHECK(r.exit_status == 69);
  CHECK(r.err ==
        "postqueue: fatal: Flush service is not configured for destination \"example.net\"\n");
  auto down = q.run({"-c", q.dir.path(), "-s", "example.org"});
  CHECK(down.exit_status == 69);
  CHECK(down.err == "postqueue: warning: connect to public/flush: No such file or directory\n" +
                        kFlushDown);
  auto i = q.run({"-c", q.dir.path(), "-i", "B0FE1A74379"});
  CHECK(i.exit_status == 69);
  CHECK(i.err == "postqueue: warning: connect to public/flush: No such file or directory\n" +
                     kFlushDown);
}

TEST_CASE("postqueue -p asks a running showq and prints the same listing", "[postqueue][showq]") {
  Instance inst("postlog unix-dgram n - n - 1 postlogd\nshowq unix n - n - - showq\n",
                "command_directory = " + sbin() + "\n");
  auto start = inst.start();
  REQUIRE(start.exit_status == 0);
  std::string queue = inst.dir().file("queue");
  test::fill_sample_queue(queue);
  test::chown_to_postfix(queue + "/maildrop");
  for (const char* d : {"active", "incoming", "deferred", "hold", "defer"})
    test::chown_to_postfix(queue + "/" + d);
  REQUIRE(master_test::eventually([&] { return exists(queue + "/public/showq"); }));
  test::RunOptions o;
  o.env["TZ"] = "UTC";
  o.timeout_seconds = 20;
  auto p = test::run({test::command("postqueue"), "-c", inst.path(), "-p"}, o);
  CHECK(p.exit_status == 0);
  CHECK(p.err.empty());
  CHECK(p.out == slurp(test::data_file("showq/expected-p.txt")));
  auto j = test::run({test::command("postqueue"), "-c", inst.path(), "-j"}, o);
  CHECK(j.exit_status == 0);
  CHECK(j.err.empty());
  CHECK(j.out == slurp(test::data_file("showq/expected-j.txt")));
}

TEST_CASE("postqueue -s and -i through the flush daemon move deferred mail to incoming",
          "[postqueue][flush]") {
  Instance inst("postlog unix-dgram n - n - 1 postlogd\nflush unix n - n 1000? 0 flush\n",
                "command_directory = " + sbin() + "\nfast_flush_domains = example.org\n");
  auto start = inst.start();
  REQUIRE(start.exit_status == 0);
  std::string queue = inst.dir().file("queue");
  test::put_queue_file(queue, "deferred/B/B0FE1A74379",
                       test::make_queue_file("a@x", {"remote@example.org"}, 100));
  test::put_queue_file(queue, "deferred/C/C0FE1A74379",
                       test::make_queue_file("a@x", {"other@example.net"}, 100));
  test::put_queue_file(queue, "flush/example_org", "B0FE1A74379\nB0FE1A74379\nNOSUCHID\n", 0600);
  test::chown_to_postfix(queue + "/deferred");
  test::chown_to_postfix(queue + "/flush");
  auto qmgr = util::unix_listen(queue + "/public/qmgr", 10);
  REQUIRE(qmgr);
  REQUIRE(master_test::eventually([&] { return exists(queue + "/public/flush"); }));

  auto s = test::run({test::command("postqueue"), "-c", inst.path(), "-s", "example.org"});
  CHECK(s.exit_status == 0);
  CHECK(s.err.empty());
  CHECK(exists(queue + "/incoming/B0FE1A74379"));
  CHECK_FALSE(exists(queue + "/deferred/B/B0FE1A74379"));
  CHECK(exists(queue + "/deferred/C/C0FE1A74379"));
  CHECK(slurp(queue + "/flush/example_org").empty());
  CHECK(drain(qmgr->get()) == std::vector<std::string>{std::string("I\0", 2)});

  auto i = test::run({test::command("postqueue"), "-c", inst.path(), "-i", "C0FE1A74379"});
  CHECK(i.exit_status == 0);
  CHECK(i.err.empty());
  CHECK(exists(queue + "/incoming/C0FE1A74379"));
  // An unknown ID is no error, as in Postfix.
  auto unknown = test::run({test::command("postqueue"), "-c", inst.path(), "-i", "NOSUCHID"});
  CHECK(unknown.exit_status == 0);
  CHECK(unknown.err.empty());

  // qmgr's side: add logs an ID for an allowed site only; purge sends every log.
  std::string flush = queue + "/public/flush";
  test::put_queue_file(queue, "deferred/D/D0FE1A74379",
                       test::make_queue_file("a@x", {"x@Example.ORG"}, 100));
  test::chown_to_postfix(queue + "/deferred");
  CHECK(mail::flush_add(flush, "Example.ORG", "D0FE1A74379") == mail::FlushStatus::kOk);
  CHECK(slurp(queue + "/flush/example_org") == "D0FE1A74379\n");
  CHECK(mail::flush_add(flush, "example.net", "D0FE1A74379") == mail::FlushStatus::kDeny);
  CHECK(mail::flush_add(flush, "example.org", "bad/id") == mail::FlushStatus::kBad);
  CHECK_FALSE(exists(queue + "/flush/example_net"));
  CHECK(mail::flush_purge(flush) == mail::FlushStatus::kOk);
  CHECK(exists(queue + "/incoming/D0FE1A74379"));
  CHECK(slurp(queue + "/flush/example_org").empty());
}
