// postsuper on a queue directory filled with real queue files (named after
// their inodes, as cleanup names them), each option checked for what it
// does to the files, what it prints and logs, and, where Postfix 3.7's
// /usr/sbin/postsuper is installed, compared with it on a twin directory.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "libmail/queue_file.h"
#include "libmail/queue_id.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

const char* const kQueues[] = {"active", "bounce", "corrupt", "defer",    "deferred",
                               "flush",  "hold",   "incoming", "maildrop", "pid",
                               "private", "public", "saved",   "trace"};

std::string message_bytes(const std::string& rcpt) {
  mail::NewMessage m;
  m.arrival_seconds = 1795426171;
  m.arrival_usec = 430969;
  m.create_time = 1795426171;
  m.pre_sender_attributes = {{"rewrite_context", "local"}};
  m.sender = "root@example.test";
  m.recipients.push_back(mail::NewRecipient{rcpt, rcpt, "rfc822;" + rcpt, 0, false});
  m.lines = {"Subject: postsuper test", "", "body"};
  return mail::build_queue_file(m);
}

// A queue directory of our own, owned by mail_owner as Postfix leaves it.
class Queue {
 public:
  Queue() {
    dir_.write("main.cf", "queue_directory = " + dir_.file("queue") +
                              "\ndata_directory = " + dir_.file("data") +
                              "\nmaillog_file = " + dir_.file("maillog") +
                              "\nmaillog_file_prefixes = /tmp\nmyhostname = mx.example.test\n");
    for (const char* q : kQueues) fs::create_directories(dir_.file(std::string("queue/") + q));
    dir_.write("maillog", "");
    own();
  }
  // A message file in `queue` whose short ID matches its inode.
  std::string add(const std::string& queue, long usec, int mode = 0700) {
    std::string tmp = dir_.file("queue/" + queue + "/tmpfile");
    dir_.write("queue/" + queue + "/tmpfile", message_bytes("cmpuser@example.test"), mode);
    struct stat st {};
    ::stat(tmp.c_str(), &st);
    std::string id = mail::make_short_queue_id(usec, st.st_ino);
    std::string to = dir_.file("queue/" + mail::queue_file_path(queue, id,
                                                                 {"deferred", "defer"}, 1));
    fs::create_directories(fs::path(to).parent_path());
    fs::rename(tmp, to);
    own();
    return id;
  }
  void write(const std::string& rel, const std::string& text, int mode = 0600) {
    dir_.write("queue/" + rel, text, mode);
    own();
  }
  bool exists(const std::string& rel) const { return fs::exists(dir_.file("queue/" + rel)); }
  // Every file below the queue directory, relative, sorted.
  std::set<std::string> files() const {
    std::set<std::string> out;
    std::string root = dir_.file("queue") + "/";
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) out.insert(e.path().string().substr(root.size()));
    return out;
  }
  test::RunResult postsuper(std::vector<std::string> args, const std::string& stdin_text = "",
                            const std::string& program = test::command("postsuper")) const {
    args.insert(args.begin(), {program, "-c", dir_.path()});
    test::RunOptions o;
    o.stdin_text = stdin_text;
    o.timeout_seconds = 20;
    return test::run(args, o);
  }
  std::string log() const { return dir_.read("maillog"); }
  std::string path(const std::string& rel) const { return dir_.file("queue/" + rel); }
  const test::TempDir& dir() const { return dir_; }

 private:
  void own() const {
    struct passwd* pw = ::getpwnam("postfix");
    if (!pw) return;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path()))
      if (e.path().filename() != "main.cf")
        (void)!::lchown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
    (void)!::chown(dir_.file("queue").c_str(), 0, 0);
  }
  test::TempDir dir_;
};

}  // namespace

TEST_CASE("postsuper -h, -H and -r move a message through hold, deferred and maildrop",
          "[postsuper]") {
  Queue q;
  std::string id = q.add("incoming", 0xB0FE1);
  auto held = q.postsuper({"-h", id});
  CHECK(held.exit_status == 0);
  CHECK(held.err == "postsuper: " + id + ": placed on hold\npostsuper: Placed on hold: 1 message\n");
  CHECK(q.exists("hold/" + id));

  auto released = q.postsuper({"-H", id});
  CHECK(released.err ==
        "postsuper: " + id + ": released from hold\npostsuper: Released from hold: 1 message\n");
  CHECK(q.exists("deferred/B/" + id));
  CHECK(q.postsuper({"-H", id}).err == "postsuper: Released from hold: 0 messages\n");

  auto requeued = q.postsuper({"-r", id});
  CHECK(requeued.err == "postsuper: " + id + ": requeued\npostsuper: Requeued: 1 message\n");
  REQUIRE(q.exists("maildrop/" + id));
  struct stat st {};
  ::stat(q.path("maildrop/" + id).c_str(), &st);
  CHECK((st.st_mode & 07777) == 0700);  // pickup tells requeued mail by the missing o+r
  CHECK(st.st_mtime >= ::time(nullptr) - 5);

  CHECK(q.log().find("postfix/postsuper[") != std::string::npos);
  CHECK(q.log().find(": " + id + ": requeued") != std::string::npos);
  CHECK(q.log().find(": Requeued: 1 message") != std::string::npos);
}

TEST_CASE("postsuper -d removes a message with its defer, bounce and trace logs", "[postsuper]") {
  Queue q;
  std::string a = q.add("deferred", 0x4A123);
  std::string b = q.add("hold", 0x1C0DE);
  q.write("defer/4/" + a, "recipient=x\n");
  q.write("bounce/" + a, "recipient=x\n");
  q.write("trace/" + a, "recipient=x\n");
  auto r = q.postsuper({"-d", a, "-d", "NOSUCHID00", "-d", "bad/id"});
  CHECK(r.exit_status == 0);
  CHECK(r.err == "postsuper: " + a + ": removed\n"
                 "postsuper: warning: invalid mail queue id: bad/id\n"
                 "postsuper: Deleted: 1 message\n");
  CHECK(q.files() == std::set<std::string>{"hold/" + b});

  SECTION("ALL deletes without naming each message, and a queue argument narrows it") {
    std::string c = q.add("incoming", 0x12345);
    auto only_hold = q.postsuper({"-d", "ALL", "hold"});
    CHECK(only_hold.err == "postsuper: Deleted: 1 message\n");
    CHECK(q.files() == std::set<std::string>{"incoming/" + c});
    CHECK(q.postsuper({"-d", "ALL"}).err == "postsuper: Deleted: 1 message\n");
    CHECK(q.files().empty());
  }
  SECTION("an unknown queue name is fatal") {
    auto bad = q.postsuper({"-d", b, "nosuchqueue"});
    CHECK(bad.exit_status == 1);
    CHECK(bad.err == "postsuper: fatal: invalid directory name: nosuchqueue\n");
    CHECK(q.exists("hold/" + b));
  }
}

TEST_CASE("postsuper reads queue IDs from stdin when the ID is -", "[postsuper]") {
  Queue q;
  std::string a = q.add("hold", 0xAAAAA);
  std::string b = q.add("hold", 0xBBBBB);
  auto r = q.postsuper({"-d", "-"}, a + "\n" + b + "\n");
  CHECK(r.err.find("Deleted: 2 messages\n") != std::string::npos);
  CHECK(q.files().empty());
}

TEST_CASE("postsuper -e and -f mark a message force-expired, -f also releases it",
          "[postsuper]") {
  Queue q;
  std::string a = q.add("hold", 0xEEEEE);
  auto e = q.postsuper({"-e", a});
  CHECK(e.err == "postsuper: " + a + ": expired\npostsuper: Force-expired: 1 message\n");
  struct stat st {};
  ::stat(q.path("hold/" + a).c_str(), &st);
  CHECK((st.st_mode & 07777) == 0710);
  auto f = q.postsuper({"-f", a});
  CHECK(f.err == "postsuper: " + a + ": released from hold\npostsuper: Force-expired: 0 messages\n"
                 "postsuper: Released from hold: 1 message\n");
  CHECK(q.exists("deferred/E/" + a));
}

TEST_CASE("postsuper -s renames files to match their inode, moves misplaced ones and warns "
          "about bogus names",
          "[postsuper]") {
  Queue q;
  std::string good = q.add("deferred", 0x7ABCD);
  // Restored from elsewhere: the name's inode part is not this file's.
  q.write("incoming/ABCDE99", message_bytes("a@example.test"), 0700);
  q.write("defer/A/ABCDE99", "recipient=a\n");
  // In the wrong place: deferred is hashed.
  fs::rename(q.path("deferred/7/" + good), q.path("deferred/" + good));
  q.write("active/bad.name", "x", 0700);
  auto r = q.postsuper({"-s"});
  CHECK(r.exit_status == 0);
  CHECK(r.err.find("postsuper: warning: bogus file name: active/bad.name\n") != std::string::npos);
  CHECK(r.err.find("postsuper: Renamed to match inode number: 1 message\n"
                   "postsuper: warning: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS\n") !=
        std::string::npos);
  CHECK(q.exists("deferred/7/" + good));
  CHECK_FALSE(q.exists("incoming/ABCDE99"));
  std::string renamed;
  for (const auto& f : q.files())
    if (f.rfind("incoming/", 0) == 0) renamed = f.substr(9);
  REQUIRE(!renamed.empty());
  struct stat st {};
  ::stat(q.path("incoming/" + renamed).c_str(), &st);
  CHECK(renamed == mail::make_short_queue_id(0xABCDE, st.st_ino));
  CHECK(q.exists("defer/A/" + renamed));  // the log went with it
  // A second run finds nothing more to do.
  CHECK(q.postsuper({"-s"}).err == "postsuper: warning: bogus file name: active/bad.name\n");
}

TEST_CASE("postsuper -p removes unfinished files older than a week and keeps the rest",
          "[postsuper]") {
  Queue q;
  std::string done = q.add("incoming", 0x11111);
  q.write("incoming/AAAAA8", "x", 0600);
  q.write("incoming/AAAAA6", "x", 0600);
  q.write("hold/CCCCC8", "x", 0644);
  auto age = [&](const std::string& rel, int days) {
    auto when = fs::file_time_type::clock::now() - std::chrono::hours(24 * days);
    fs::last_write_time(q.path(rel), when);
  };
  age("incoming/AAAAA8", 8);
  age("incoming/AAAAA6", 6);
  age("hold/CCCCC8", 8);
  age("incoming/" + done, 30);  // complete (0700): never purged
  auto r = q.postsuper({"-p"});
  CHECK(r.exit_status == 0);
  CHECK(r.err.empty());
  CHECK(q.files() == std::set<std::string>{"incoming/" + done, "incoming/AAAAA6"});
}

TEST_CASE("postsuper is for the superuser only", "[postsuper]") {
  Queue q;
  test::RunOptions o;
  o.timeout_seconds = 20;
  auto r = test::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      test::command("postsuper"), "-c", q.dir().path(), "-d", "ALL"},
                     o);
  CHECK(r.exit_status == 1);
  CHECK(r.err == "postsuper: fatal: use of this command is reserved for the superuser\n");
}

TEST_CASE("postsuper prints what Postfix's postsuper prints for the same queue", "[postsuper][interop]") {
  if (test::skip_without("/usr/sbin/postsuper", "interop")) return;
  Queue ours, theirs;
  // Same IDs in both (inode matching does not matter outside -s).
  std::vector<std::string> ids;
  for (long usec : {0x10001L, 0x20002L, 0x30003L}) ids.push_back(ours.add("incoming", usec));
  for (const auto& id : ids) theirs.write("incoming/" + id, message_bytes("x@example.test"), 0700);
  theirs.write("bounce/" + ids[0], "x\n");
  ours.write("bounce/" + ids[0], "x\n");
  const std::vector<std::vector<std::string>> steps = {
      {"-h", ids[0], "-h", ids[1]}, {"-H", "ALL"},          {"-r", ids[1]},
      {"-e", ids[2]},               {"-d", ids[0], "-d", "x/y"}, {"-h", "NOSUCH0"},
      {"-d", "ALL", "maildrop"},    {"-x"},               {"-d", ids[2], "saved"},
  };
  for (const auto& step : steps) {
    auto a = ours.postsuper(step);
    auto b = theirs.postsuper(step, "", "/usr/sbin/postsuper");
    INFO("postsuper " << step[0]);
    CHECK(a.exit_status == b.exit_status);
    CHECK(a.err == b.err);
    CHECK(ours.files() == theirs.files());
  }
}

TEST_CASE("postsuper -s judges and renames file names as Postfix's postsuper does",
          "[postsuper][interop]") {
  if (test::skip_without("/usr/sbin/postsuper", "interop")) return;
  Queue ours, theirs;
  for (Queue* q : {&ours, &theirs}) {
    q->write("maildrop/GOOD001", "x", 0700);     // renamed: first five characters kept
    q->write("maildrop/NORCPT1", "x", 0700);     // no hex inode part: bogus
    q->write("incoming/AB", "x", 0700);          // too short: bogus
    q->write("hold/4jY18m52flz1bc8p", "x", 0700);  // long ID, long IDs off: made short
  }
  auto a = ours.postsuper({"-s"});
  auto b = theirs.postsuper({"-s"}, "", "/usr/sbin/postsuper");
  CHECK(a.exit_status == b.exit_status);
  CHECK(a.err == b.err);
  // Inodes differ between the twins: compare names without the inode part.
  auto shape = [](const std::set<std::string>& files) {
    std::set<std::string> out;
    for (const auto& f : files) {
      auto slash = f.rfind('/');
      std::string name = f.substr(slash + 1);
      out.insert(f.substr(0, slash + 1) + (name.size() > 5 && name != "NORCPT1"
                                                ? name.substr(0, 5) + "*"
                                                : name));
    }
    return out;
  };
  CHECK(shape(ours.files()) == shape(theirs.files()));
  CHECK(shape(ours.files()) == std::set<std::string>{"hold/AD66F*", "incoming/AB",
                                                     "maildrop/GOOD0*", "maildrop/NORCPT1"});
}
