// smtpd_test::PostfixOracle: Debian's Postfix 3.7 as an alternate instance
// (postfix -c DIR start) with its smtpd on a free loopback port, for tests
// that run the same dialogue against Postfix and against our smtpd and
// compare what each says. Users: smtpd_restrictions_interop_test.cc,
// smtpd_policy_test.cc.
// Easy to get wrong: Postfix's daemons run as "postfix" and must read the
// instance directory and tables (mode 0755/0644 here); the instance is
// stopped in the destructor even when a test fails; needs root and
// /usr/sbin/postfix (callers skip loudly without them).
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "tests/integration/master_fixture.h"
#include "tests/integration/smtpd_fixture.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace smtpd_test {

// Replace the first "ACCESS" in `text` with `path`.
inline std::string with_access_path(std::string text, const std::string& path) {
  if (auto at = text.find("ACCESS"); at != std::string::npos) text.replace(at, 6, path);
  return text;
}

// Our side of a comparison with the oracle: the same main.cf lines, with
// ACCESS standing for a table our postmap builds from `access_text`.
inline void add_oracle_config(SmtpdInstance& ours, const std::string& main_cf,
                              const std::string& access_text) {
  std::string access = ours.instance().dir().write("access", access_text);
  REQUIRE(test::run({test::command("postmap"), "-c", ours.instance().path(), "hash:" + access})
              .exit_status == 0);
  ours.instance().dir().write(
      "main.cf", ours.instance().dir().read("main.cf") + with_access_path(main_cf, access));
}

class PostfixOracle {
 public:
  // `main_cf`: extra main.cf lines, where ACCESS stands for the path of an
  // access table made from `access_text` by Postfix's postmap;
  // `extra_master_cf`: services added to Debian's master.cf; `resolv_conf`,
  // when given, becomes queue/etc/resolv.conf, what the chrooted smtpd's
  // resolver reads (dns_fixture.h).
  PostfixOracle(const std::string& main_cf, const std::string& access_text = "",
                const std::string& extra_master_cf = "", const std::string& resolv_conf = "")
      : port_(master_test::free_port()) {
    ::chmod(dir_.path().c_str(), 0755);
    const std::string d = dir_.path();
    std::filesystem::create_directories(d + "/data");
    std::filesystem::create_directories(d + "/queue");
    if (!resolv_conf.empty()) {
      std::filesystem::create_directories(d + "/queue/etc");
      dir_.write("queue/etc/resolv.conf", resolv_conf);
    }
    test::run({"chown", "postfix", d + "/data"});
    dir_.write("main.cf", "");
    std::string access = dir_.write("access", access_text);
    test::run({"/usr/sbin/postmap", "-c", d, "hash:" + access});
    test::run({"chmod", "0644", access, access + ".db"});
    dir_.write("main.cf", "compatibility_level = 3.6\nqueue_directory = " + d +
                              "/queue\ndata_directory = " + d +
                              "/data\nmail_spool_directory = " + d + "/mail\nmaillog_file = " + d +
                              "/maillog\nmaillog_file_prefixes = /tmp\n"
                              "myhostname = mx.example.test\n"
                              "mydestination = $myhostname, localhost.$mydomain, localhost\n"
                              "alias_maps =\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n" +
                              with_access_path(main_cf, access));
    std::string master = test::run({"cat", "/etc/postfix/master.cf"}).out;
    std::string smtp_line = "127.0.0.1:" + std::to_string(port_) + " inet n - y - - smtpd\n";
    std::istringstream in(master);
    std::string out, line;
    while (std::getline(in, line)) {
      if (line.rfind("smtp ", 0) == 0 && line.find("inet") != std::string::npos) continue;
      out += line + "\n";
    }
    dir_.write("master.cf", out + smtp_line + extra_master_cf);
    test::RunOptions o;
    o.timeout_seconds = 60;
    auto r = test::run({"/usr/sbin/postfix", "-c", d, "start"}, o);
    ok_ = r.exit_status == 0;
    why_ = r.out + r.err;
  }
  ~PostfixOracle() {
    test::RunOptions o;
    o.timeout_seconds = 60;
    test::run({"/usr/sbin/postfix", "-c", dir_.path(), "stop"}, o);
  }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  int port() const { return port_; }
  std::string log() const { return dir_.read("maillog"); }
  // The instance's configuration directory (main.cf; queue/ below it).
  const std::string& path() const { return dir_.path(); }

 private:
  test::TempDir dir_;
  int port_;
  bool ok_ = false;
  std::string why_;
};

}  // namespace smtpd_test
