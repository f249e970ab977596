// postcat as a user runs it: real Postfix 3.7.11 queue files, a scratch
// main.cf and queue directory, and (where installed) Postfix's own postcat
// as the reference for every option and for files our writer produced.
#include <sys/stat.h>

#include <catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libmail/queue_file.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

const std::vector<std::string> kSamples = {
    "maildrop_root",         "maildrop_user",           "qf_actions2_hold", "qf_actions_hold",
    "qf_deferred_partial",   "qf_deferred_warn_longid", "qf_longline_hold", "qf_remote_hold",
    "qf_sendmail_root_hold", "qf_sendmail_user_hold",   "qf_smtp_hold",     "qf_t_hold",
    "requeued_maildrop"};

const char* kOracle = "/usr/sbin/postcat";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sample(const std::string& name) {
  return slurp(test::data_file("queue/" + name + ".bin"));
}

// A scratch instance: DIR/conf/main.cf pointing at DIR/queue.
struct Scratch {
  test::TempDir dir;
  std::string conf, queue;
  explicit Scratch(const std::string& extra = "") {
    conf = dir.path() + "/conf";
    queue = dir.path() + "/queue";
    ::mkdir(conf.c_str(), 0755);
    ::mkdir(queue.c_str(), 0755);
    for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold", "saved"})
      ::mkdir((queue + "/" + q).c_str(), 0700);
    dir.write("conf/main.cf", "queue_directory = " + queue + "\n" + extra);
  }
  std::string put(const std::string& rel, const std::string& bytes) {
    return dir.write(rel, bytes, 0700);
  }
};

test::RunResult postcat(const std::string& program, const std::string& conf,
                        std::vector<std::string> args, const std::string& cwd = "") {
  std::vector<std::string> argv = {program, "-c", conf};
  argv.insert(argv.end(), args.begin(), args.end());
  test::RunOptions options;
  options.cwd = cwd;
  options.env["TZ"] = "UTC";
  return test::run(argv, options);
}

// stderr with the program path made neutral, and Postfix's -v chatter
// about its configuration (which Postern does not print) left out.
std::string messages(const test::RunResult& r, const std::string& program) {
  std::istringstream in(r.err);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(program + ": ", 0) == 0) line = "postcat: " + line.substr(program.size() + 2);
    if (line.find(": warning: ") == std::string::npos &&
        line.find(": fatal: ") == std::string::npos)
      continue;
    out += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("postcat prints a held smtpd message exactly as Postfix does", "[postcat]") {
  Scratch s;
  s.put("qf_smtp_hold", sample("qf_smtp_hold"));
  auto r = postcat(test::command("postcat"), s.conf, {"qf_smtp_hold"}, s.dir.path());
  CHECK(r.exit_status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == slurp(test::data_file("queue/postcat-qf_smtp_hold.txt")));
}

TEST_CASE("postcat prints a maildrop file without a size record", "[postcat]") {
  Scratch s;
  s.put("maildrop_root", sample("maildrop_root"));
  auto r = postcat(test::command("postcat"), s.conf, {"maildrop_root"}, s.dir.path());
  CHECK(r.exit_status == 0);
  CHECK(r.out == slurp(test::data_file("queue/postcat-maildrop_root.txt")));
}

TEST_CASE("postcat -od shows offsets and decimal record types", "[postcat]") {
  Scratch s;
  s.put("qf_actions_hold", sample("qf_actions_hold"));
  auto r = postcat(test::command("postcat"), s.conf, {"-od", "qf_actions_hold"}, s.dir.path());
  CHECK(r.exit_status == 0);
  CHECK(r.out == slurp(test::data_file("queue/postcat-od-qf_actions_hold.txt")));
}

TEST_CASE("postcat -h and -b print bare header and body lines", "[postcat]") {
  Scratch s;
  std::string file = s.put("qf", sample("qf_smtp_hold"));
  auto h = postcat(test::command("postcat"), s.conf, {"-h", file});
  CHECK(h.exit_status == 0);
  CHECK(h.out.rfind("Received: from client.example.org", 0) == 0);
  CHECK(h.out.find("Date: Mon, 23 Nov 2026 09:00:00 +0000\n") != std::string::npos);
  CHECK(h.out.find("Body line") == std::string::npos);
  CHECK(h.out.find("***") == std::string::npos);
  auto b = postcat(test::command("postcat"), s.conf, {"-b", file});
  CHECK(b.out == "\nBody line one\nBody line two which is a bit longer than the first one\n");
  auto e = postcat(test::command("postcat"), s.conf, {"-e", file});
  CHECK(e.out.find("recipient: root@example.test\n*** MESSAGE CONTENTS") != std::string::npos);
  CHECK(e.out.find("Subject:") == std::string::npos);
}

TEST_CASE("postcat joins L pieces into one line unless records are labelled", "[postcat]") {
  Scratch s;
  std::string file = s.put("qf", sample("qf_longline_hold"));
  auto plain = postcat(test::command("postcat"), s.conf, {"-b", file});
  CHECK(plain.out.find(std::string(3000, 'x') + "\n") != std::string::npos);
  auto verbose = postcat(test::command("postcat"), s.conf, {"-b", "-v", file});
  CHECK(verbose.out.find("unterminated_text: " + std::string(2048, 'x') +
                         "\nregular_text: " + std::string(952, 'x') + "\n") != std::string::npos);
}

TEST_CASE("postcat -q finds a queue ID in hold and in hashed deferred", "[postcat]") {
  Scratch s;
  s.put("queue/hold/AFAE8A7414D", sample("qf_smtp_hold"));
  ::mkdir((s.queue + "/deferred/B").c_str(), 0700);
  s.put("queue/deferred/B/B0FE1A74379", sample("qf_deferred_partial"));
  auto r = postcat(test::command("postcat"), s.conf, {"-q", "AFAE8A7414D", "B0FE1A74379"});
  CHECK(r.exit_status == 0);
  CHECK(r.out.rfind("*** ENVELOPE RECORDS hold/AFAE8A7414D ***\n", 0) == 0);
  CHECK(r.out.find("*** MESSAGE FILE END hold/AFAE8A7414D ***\n") != std::string::npos);
  CHECK(r.out.find("*** ENVELOPE RECORDS deferred/B/B0FE1A74379 ***\n") != std::string::npos);
  CHECK(r.out.find("done_recipient: cmpuser@example.test\n") != std::string::npos);
}

TEST_CASE("postcat -q follows hash_queue_depth and hash_queue_names", "[postcat]") {
  Scratch s("hash_queue_depth = 2\nhash_queue_names = deferred, defer, hold\n");
  ::mkdir((s.queue + "/hold/A").c_str(), 0700);
  ::mkdir((s.queue + "/hold/A/D").c_str(), 0700);
  s.put("queue/hold/A/D/4jY18m52flz1bc8p", sample("qf_deferred_warn_longid"));
  auto r = postcat(test::command("postcat"), s.conf, {"-e", "-q", "4jY18m52flz1bc8p"});
  CHECK(r.exit_status == 0);
  CHECK(r.out.rfind("*** ENVELOPE RECORDS hold/A/D/4jY18m52flz1bc8p ***\n", 0) == 0);
  CHECK(r.out.find("warning_message_time: Mon Nov 23 14:00:46 2026\n") != std::string::npos);
}

TEST_CASE("postcat reports missing files, bad IDs and bad options like Postfix", "[postcat]") {
  Scratch s;
  std::string prog = test::command("postcat");
  auto missing = postcat(prog, s.conf, {"-q", "NOSUCHID"});
  CHECK(missing.exit_status == 1);
  CHECK(messages(missing, prog) ==
        "postcat: fatal: open queue file NOSUCHID: No such file or directory\n");
  auto bad_id = postcat(prog, s.conf, {"-q", "../x"});
  CHECK(bad_id.exit_status == 1);
  CHECK(messages(bad_id, prog) == "postcat: fatal: bad mail queue ID: ../x\n");
  auto no_file = postcat(prog, s.conf, {"/nonexist"});
  CHECK(no_file.exit_status == 1);
  CHECK(messages(no_file, prog) == "postcat: fatal: open /nonexist: No such file or directory\n");
  auto offset = postcat(prog, s.conf, {"-s", "abc", "/nonexist"});
  CHECK(messages(offset, prog) == "postcat: fatal: bad offset: abc\n");
  auto usage = postcat(prog, s.conf, {"-x"});
  CHECK(usage.exit_status == 1);
  CHECK(usage.err.find("fatal: usage: " + prog + " [-b (body text)]") != std::string::npos);
  auto no_conf = test::run({prog, "-c", s.dir.path() + "/none", "/nonexist"});
  CHECK(no_conf.exit_status == 1);
  CHECK(messages(no_conf, prog) ==
        "postcat: fatal: open " + s.dir.path() + "/none/main.cf: No such file or directory\n");
}

TEST_CASE("postcat stops on corrupt records with Postfix's messages", "[postcat]") {
  Scratch s;
  std::string prog = test::command("postcat");
  std::string good = sample("qf_smtp_hold");
  std::string cut = s.put("cut", good.substr(0, 510));
  auto r = postcat(prog, s.conf, {cut});
  CHECK(r.exit_status == 1);
  CHECK(r.out.find("named_attribute: client_port=51396\n") != std::string::npos);
  CHECK(messages(r, prog) == "postcat: warning: " + cut +
                                 ": unexpected EOF in data, record type 65 length 24\n"
                                 "postcat: fatal: record read error\n");
  std::string giant = s.put("giant", std::string("T\xff\xff\xff\x7f", 5));
  auto g = postcat(prog, s.conf, {giant});
  CHECK(g.exit_status == 1);
  CHECK(messages(g, prog) == "postcat: warning: " + giant +
                                 ": unexpected EOF in data, record type 84 length 268435455\n"
                                 "postcat: fatal: record read error\n");
  std::string bits = s.put("bits", std::string("T\xff\xff\xff\xff\xff\xff", 7));
  auto b = postcat(prog, s.conf, {bits});
  CHECK(messages(b, prog) == "postcat: warning: " + bits +
                                 ": too many length bits, record type 84\n"
                                 "postcat: fatal: record read error\n");
  std::string text = s.put("text", "Hello, not a queue file\n");
  auto t = postcat(prog, s.conf, {text});
  CHECK(t.exit_status == 0);
  CHECK(t.out.empty());
  CHECK(messages(t, prog) == "postcat: warning: " + text + ": input is not a valid queue file\n");
  // Header only jumps over a damaged envelope to the content, as Postfix.
  auto h = postcat(prog, s.conf, {"-h", cut});
  CHECK(h.exit_status == 0);
  CHECK(h.out.empty());
}

TEST_CASE("postcat output matches Postfix's postcat for every sample and option",
          "[postcat][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  Scratch s;
  std::string ours = test::command("postcat");
  // Each option once, plus the combinations whose sections interact; a
  // truncated copy of each sample with the options that read the most.
  // (Every pair of runs costs two process starts: keep the list short.)
  const std::vector<std::vector<std::string>> option_sets = {
      {}, {"-o"}, {"-d"}, {"-e"}, {"-h"}, {"-b"}, {"-hb"}, {"-ov"}, {"-s", "97"}};
  const std::vector<std::vector<std::string>> cut_option_sets = {{}, {"-e"}, {"-hb"}};
  for (const auto& name : kSamples) {
    std::string file = s.put(name, sample(name));
    std::string cut = s.put(name + ".cut", sample(name).substr(0, 150));
    for (const auto& [path, sets] :
         {std::pair{file, &option_sets}, std::pair{cut, &cut_option_sets}}) {
      for (const auto& opts : *sets) {
        std::vector<std::string> args = opts;
        args.push_back(path);
        auto a = postcat(ours, s.conf, args);
        auto b = postcat(kOracle, s.conf, args);
        INFO(path << " " << (opts.empty() ? "" : opts[0]));
        CHECK(a.out == b.out);
        CHECK(a.exit_status == b.exit_status);
        CHECK(messages(a, ours) == messages(b, kOracle));
      }
    }
  }
}

TEST_CASE("Postfix's postcat reads a queue file written by our writer", "[postcat][interop]") {
  if (test::skip_without(kOracle, "interop")) return;
  Scratch s;
  mail::NewMessage m;
  m.arrival_seconds = 1795426125;
  m.arrival_usec = 712131;
  m.create_time = 1795426125;
  m.pre_sender_attributes = {{"log_ident", "AFAE8A7414D"}, {"rewrite_context", "local"}};
  m.sender = "sender@example.org";
  m.post_sender_attributes = {{"encoding", "8bit"}, {"client_address", "127.0.0.1"}};
  m.recipients.push_back({"a@example.test", "A@example.test", "rfc822;A@example.test",
                          mail::kDsnNotifySuccess | mail::kDsnNotifyFailure});
  m.recipients.push_back({"b@example.test", "b", "rfc822;b@example.test", 0});
  m.lines = {"Received: from x (localhost [127.0.0.1])",
             "\tby mx.example.test",
             "Subject: hi",
             "",
             "body",
             std::string(4100, 'z'),
             ".dots stay"};
  m.extracted_attributes = {{"encoding", "8bit"}};
  m.content_filter = "smtp:[127.0.0.1]:10025";
  m.extracted_recipients.push_back(
      {"bcc@example.org", "bcc@example.org", std::nullopt, mail::kDsnNotifyNever, true});
  std::string bytes = mail::build_queue_file(m);
  std::string file = s.put("queue/hold/AFAE8A7414D", bytes);
  auto parsed = mail::parse_queue_file(bytes);
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->size());
  CHECK(parsed->size()->rcpt_count == 3);
  for (const std::vector<std::string>& opts :
       {std::vector<std::string>{"-q", "AFAE8A7414D"}, {"-od", file}, {"-v", file}}) {
    auto a = postcat(test::command("postcat"), s.conf, opts);
    auto b = postcat(kOracle, s.conf, opts);
    CHECK(b.exit_status == 0);
    CHECK(messages(b, kOracle).empty());
    CHECK(a.out == b.out);
  }
  auto r = postcat(kOracle, s.conf, {"-e", file});
  CHECK(r.out.find("message_size: " + mail::format_size_record(*parsed->size()) + "\n") !=
        std::string::npos);
  CHECK(r.out.find("recipient: bcc@example.org\n") != std::string::npos);

  // A maildrop file as postdrop writes it (no C record) reads the same way.
  m.size_record = false;
  std::string drop = s.put("drop", mail::build_queue_file(m));
  auto a = postcat(test::command("postcat"), s.conf, {drop});
  auto b = postcat(kOracle, s.conf, {drop});
  CHECK(b.exit_status == 0);
  CHECK(a.out == b.out);
}
