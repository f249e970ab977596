// The pipe delivery agent under a whole instance: transport_maps sends a
// domain to a pipe service whose command (a shell script, run as nobody)
// keeps its arguments and standard input; the exit status decides the
// outcome. Then the same service under Debian's Postfix: the command must
// get the same arguments and the same bytes.
#include <sys/stat.h>

#include <catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/pipeline_fixture.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/integration/smtpd_oracle_fixture.h"
#include "tests/support/smtp_client.h"
#include "tests/support/temp_dir.h"

using namespace std::chrono_literals;
using pipeline_test::Pipeline;

namespace {

const std::string kMessage =
    "Subject: to a pipe\n"
    "\n"
    "first body line\n"
    "From the start of a line\n"
    ".dot line\n";

// A command that writes its arguments and input under DIR/out and exits
// as the first recipient's local part asks.
class Capture {
 public:
  Capture() {
    ::chmod(dir_.path().c_str(), 0755);
    std::filesystem::create_directories(out());
    ::chmod(out().c_str(), 0777);
    dir_.write("capture.sh",
               "out=\"$1\"; shift\n"
               "n=$(date +%s%N)\n"
               "printf '%s\\n' \"$@\" > \"$out/args.$n\"\n"
               "cat > \"$out/stdin.$n\"\n"
               "case \"$1\" in\n"
               "  nouser*) echo 'no such mailbox'; exit 67;;\n"
               "  tempfail*) echo 'try later'; exit 75;;\n"
               "  die*) exit 3;;\n"
               "esac\n"
               "echo 'queued fine'\n",
               0755);
  }
  std::string out() const { return dir_.file("out"); }
  // A master.cf pipe service NAME running the script with `flags`.
  std::string service(const std::string& name, const std::string& flags) const {
    return name + " unix - n n - - pipe\n  flags=" + flags + " user=nobody argv=/bin/sh " +
           dir_.file("capture.sh") + " " + out() + " ${recipient} -f ${sender} -n ${nexthop}\n";
  }
  // The runs so far, oldest first: {args, stdin}.
  std::vector<std::pair<std::string, std::string>> runs() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(out())) {
      std::string n = e.path().filename();
      if (n.rfind("args.", 0) == 0) names.push_back(n.substr(5));
    }
    std::sort(names.begin(), names.end());
    std::vector<std::pair<std::string, std::string>> r;
    for (const auto& n : names)
      r.emplace_back(pipeline_test::read_file(out() + "/args." + n),
                     pipeline_test::read_file(out() + "/stdin." + n));
    return r;
  }
  bool wait_runs(size_t n) const {
    return master_test::eventually([&] { return runs().size() >= n; }, 30s);
  }

 private:
  test::TempDir dir_;
};

std::string main_cf() { return "transport_maps = inline:{pipe.example.test=testpipe:}\n"; }

}  // namespace

TEST_CASE("pipe runs the command once per request with the recipients as arguments",
          "[pipe][pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Capture capture;
  Pipeline p(main_cf());
  p.instance().write_master_cf(pipeline_test::default_master_cf() +
                               capture.service("testpipe", "FRX"));
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "joe@pipe.example.test", "ann@pipe.example.test"}, kMessage)
              .exit_status == 0);
  INFO(p.instance().log());
  REQUIRE(capture.wait_runs(1));
  REQUIRE(p.wait_queue_empty());
  auto runs = capture.runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].first ==
        "joe@pipe.example.test\nann@pipe.example.test\n-f\nroot@mx.example.test\n-n\n"
        "pipe.example.test\n");
  const std::string& in = runs[0].second;
  CHECK(in.rfind("From root@mx.example.test  ", 0) == 0);
  CHECK(in.find("\nReturn-Path: <root@mx.example.test>\n") != std::string::npos);
  CHECK(in.find("Delivered-To:") == std::string::npos);
  CHECK(in.find("\n\nfirst body line\nFrom the start of a line\n.dot line\n") != std::string::npos);
  for (const char* to : {"joe@pipe.example.test", "ann@pipe.example.test"})
    CHECK(p.instance().log_has(std::string("to=<") + to + ">, relay=testpipe, delay="));
  CHECK(p.instance().log_has(
      "dsn=2.0.0, status=sent (delivered via testpipe service (queued fine))"));
}

TEST_CASE("pipe's exit status bounces, defers or fails the recipients as Postfix's does",
          "[pipe][pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Capture capture;
  Pipeline p(main_cf());
  p.instance().write_master_cf(pipeline_test::default_master_cf() +
                               capture.service("testpipe", "R"));
  REQUIRE(p.start().exit_status == 0);
  for (const char* to :
       {"nouser@pipe.example.test", "tempfail@pipe.example.test", "die@pipe.example.test"})
    REQUIRE(p.sendmail({"-f", "root", to}, kMessage).exit_status == 0);
  REQUIRE(capture.wait_runs(3));
  INFO(p.instance().log());
  CHECK(p.instance().log_has("to=<nouser@pipe.example.test>, relay=testpipe"));
  CHECK(p.instance().log_has(
      "dsn=5.1.1, status=bounced (user unknown. Command output: no such mailbox)"));
  CHECK(p.instance().log_has(
      "dsn=4.3.0, status=deferred (temporary failure. Command output: try later)"));
  CHECK(
      p.instance().log_has("dsn=5.3.0, status=bounced (Command died with status 3: \"/bin/sh\")"));
  // The two bounces come back to the sender; the deferred one waits.
  CHECK(p.wait_for_messages("root", 2));
  CHECK(master_test::eventually([&] { return p.queue_count("deferred") == 1; }, 20s));
}

TEST_CASE("pipe's D flag needs one recipient per request", "[pipe][pipeline]") {
  if (test::skip_unless_root("a whole instance switches users")) return;
  Capture capture;
  Pipeline p(main_cf());
  p.instance().write_master_cf(pipeline_test::default_master_cf() +
                               capture.service("testpipe", "DO") +
                               capture.service("onepipe", "DO"));
  p.instance().dir().write("main.cf", p.instance().dir().read("main.cf") +
                                          "transport_maps = inline:{pipe.example.test=testpipe:, "
                                          "one.example.test=onepipe:}\n"
                                          "onepipe_destination_recipient_limit = 1\n");
  REQUIRE(p.start().exit_status == 0);
  REQUIRE(p.sendmail({"-f", "root", "a@pipe.example.test", "b@pipe.example.test"}, kMessage)
              .exit_status == 0);
  INFO(p.instance().log());
  CHECK(p.instance().log_has(
      "warning: pipe flag `D' requires testpipe_destination_recipient_limit = 1"));
  CHECK(p.instance().log_has("status=deferred (mail system configuration error)"));

  REQUIRE(p.sendmail({"-f", "root", "c@one.example.test", "d@one.example.test"}, kMessage)
              .exit_status == 0);
  REQUIRE(capture.wait_runs(2));
  auto runs = capture.runs();
  REQUIRE(runs.size() == 2);
  std::string both = runs[0].second + runs[1].second;
  CHECK(both.find("Delivered-To: c@one.example.test\n") != std::string::npos);
  CHECK(both.find("Delivered-To: d@one.example.test\n") != std::string::npos);
  CHECK(both.find("X-Original-To: c@one.example.test\n") != std::string::npos);
}

TEST_CASE("pipe gives the command what Debian's Postfix pipe gives it", "[pipe][interop]") {
  if (test::skip_unless_root("both instances switch users")) return;
  if (test::skip_without("/usr/sbin/postfix", "Debian's Postfix is the reference here")) return;
  const std::string flags = "FRXDOB.>hqu";
  const std::string limit = "testpipe_destination_recipient_limit = 1\n";
  const std::string message =
      "From: Sender <sender@example.org>\r\nTo: you\r\nSubject: interop\r\n"
      "Date: Sun, 06 Dec 2026 06:00:00 +0000\r\nMessage-ID: <pipe-interop@example.org>\r\n\r\n"
      "line\r\n..dot\r\nFrom here\r\n";
  auto send = [&](int port) {
    auto c = test::SmtpClient::connect("127.0.0.1", port, 10s);
    REQUIRE(c);
    REQUIRE(c->banner());
    REQUIRE(c->command("EHLO client.example.org"));
    REQUIRE(c->command("MAIL FROM:<Sender@Example.ORG>"));
    REQUIRE(c->command("RCPT TO:<Joe.User@PIPE.example.test>"));
    REQUIRE(c->command("DATA"));
    auto r = c->command(message + ".");
    REQUIRE(r);
    CHECK(r->last().rfind("250 ", 0) == 0);
    c->command("QUIT");
  };

  Capture theirs;
  {
    smtpd_test::PostfixOracle oracle("mynetworks = 127.0.0.0/8\n" + main_cf() + limit, "",
                                     theirs.service("testpipe", flags));
    INFO(oracle.why());
    REQUIRE(oracle.ok());
    master_test::eventually(
        [&] { return test::SmtpClient::connect("127.0.0.1", oracle.port()).has_value(); });
    send(oracle.port());
    REQUIRE(theirs.wait_runs(1));
  }
  Capture ours;
  smtpd_test::SmtpdOptions o;
  o.main_cf = "mynetworks = 127.0.0.0/8\n" + main_cf() + limit;
  o.master_cf = ours.service("testpipe", flags);
  smtpd_test::SmtpdInstance s(o);
  REQUIRE(s.start().exit_status == 0);
  send(s.port());
  REQUIRE(ours.wait_runs(1));
  INFO(s.log());

  auto t = theirs.runs();
  auto m = ours.runs();
  REQUIRE(t.size() == 1);
  REQUIRE(m.size() == 1);
  auto bar = [](std::string v) {
    std::replace(v.begin(), v.end(), '\n', '|');
    return v;
  };
  INFO("ours: " << bar(m[0].first) << " theirs: " << bar(t[0].first));
  CHECK(m[0].first == t[0].first);
  CHECK(pipeline_test::comparable_copy(m[0].second) == pipeline_test::comparable_copy(t[0].second));
}
