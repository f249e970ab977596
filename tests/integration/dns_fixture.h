// dns_test::DnsServer: a real DNS server (Debian's unbound) for one test,
// answering only the records the test gives it, on port 53 of a loopback
// address of its own (127.0.53.N; resolv.conf cannot name a port). Daemons
// are pointed at it without touching the machine's /etc/resolv.conf: a
// chrooted daemon's resolver reads <queue_directory>/etc/resolv.conf, the
// copy Debian's Postfix keeps in its chroot, so install() writes that file.
//
//   dns_test::DnsServer dns({"example.test. MX 10 mx1.example.test.",
//                            "mx1.example.test. A 127.0.0.1",
//                            "1.0.0.127.in-addr.arpa. PTR client.example.test."},
//                           {"tempfail.test."});        // answered REFUSED
//   if (dns.skipped()) return;                          // no unbound: loud skip
//   REQUIRE(dns.ok());
//   dns.install(queue_directory);                       // before `postfix start`
//
// Records are unbound local-data lines (A, AAAA, MX, NS, PTR, TXT, ...).
// Every other name is NXDOMAIN ("." is a static zone: no recursion, no
// network), a name with other types only is "no data", and a name under a
// `refused` zone gets REFUSED, which the C library's resolver reports as
// TRY_AGAIN: the temporary failure that must defer, never reject.
// Easy to get wrong: glibc rereads resolv.conf when the file it sees
// changes, so a daemon that called res_init() before chroot still follows
// the chroot's copy; the copy must exist before the daemon's first lookup
// (the smtpd of an instance looks the client up at connect). The server is
// stopped (SIGTERM, then SIGKILL) in the destructor, even when a test fails.
#pragma once

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libutil/child_process.h"
#include "libutil/fd.h"
#include "tests/support/temp_dir.h"

namespace dns_test {

inline constexpr const char* kUnbound = "/usr/sbin/unbound";

class DnsServer {
 public:
  explicit DnsServer(const std::vector<std::string>& records,
                     const std::vector<std::string>& refused_zones = {}) {
    if (test::skip_without(kUnbound, "the DNS tests need Debian's unbound")) {
      skipped_ = true;
      return;
    }
    for (const auto& r : records)
      if (r.find('\'') != std::string::npos || r.find('\n') != std::string::npos) {
        why_ = "record with a quote or newline: " + r;
        return;
      }
    // Start at an address that depends on our pid, so two test runs on one
    // machine rarely try the same one, and move on when it is taken.
    int first = static_cast<int>(::getpid() % 250);
    for (int i = 0; i < 250 && !ok_; ++i) {
      std::string address = "127.0.53." + std::to_string((first + i) % 250 + 1);
      if (!port_free(address)) continue;
      start(address, records, refused_zones);
    }
    if (!ok_ && why_.empty()) why_ = "no free 127.0.53.N:53 for unbound";
  }
  ~DnsServer() {
    if (!server_) return;
    server_->kill(SIGTERM);
    if (!server_->wait(std::chrono::seconds(5))) server_->kill(SIGKILL);
  }
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  bool skipped() const { return skipped_; }
  bool ok() const { return ok_; }
  // Why the server did not start (with unbound's own messages).
  std::string why() const { return why_ + (dir_ ? "\n" + dir_->read("unbound.log") : ""); }
  const std::string& address() const { return address_; }

  // A resolv.conf naming only this server; one quick try per query so a
  // test of a failing lookup takes a second at most.
  std::string resolv_conf() const {
    return "nameserver " + address_ + "\noptions timeout:1 attempts:1\n";
  }
  // <root>/etc/resolv.conf for a daemon chrooted to `root`.
  void install(const std::string& root) const {
    std::filesystem::create_directories(root + "/etc");
    ::chmod((root + "/etc").c_str(), 0755);
    std::string path = root + "/etc/resolv.conf";
    util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::string text = resolv_conf();
    if (fd.get() >= 0) (void)!::write(fd.get(), text.data(), text.size());
    ::chmod(path.c_str(), 0644);
  }

 private:
  static bool port_free(const std::string& address) {
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
      util::Fd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(53);
      if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) return false;
      if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        return false;
    }
    return true;
  }

  void start(const std::string& address, const std::vector<std::string>& records,
             const std::vector<std::string>& refused_zones) {
    dir_.emplace();
    std::string conf =
        "server:\n"
        "  interface: " +
        address +
        "\n"
        "  port: 53\n"
        "  so-reuseport: no\n"
        "  do-ip6: no\n"
        "  num-threads: 1\n"
        "  access-control: 127.0.0.0/8 allow\n"
        "  username: \"\"\n"
        "  chroot: \"\"\n"
        "  directory: \"" +
        dir_->path() +
        "\"\n"
        "  pidfile: \"\"\n"
        "  do-daemonize: no\n"
        "  use-syslog: no\n"
        "  logfile: \"\"\n"
        "  verbosity: 0\n"
        "  module-config: \"iterator\"\n"
        "  msg-cache-size: 1m\n"
        "  rrset-cache-size: 1m\n"
        "  local-zone: \".\" static\n"
        // Unbound answers these itself by default; the tests say what is there.
        "  local-zone: \"127.in-addr.arpa.\" static\n";
    for (const auto& zone : refused_zones) conf += "  local-zone: \"" + zone + "\" always_refuse\n";
    for (const auto& r : records) conf += "  local-data: '" + r + "'\n";
    conf += "remote-control:\n  control-enable: no\n";
    std::string conf_path = dir_->write("unbound.conf", conf);
    std::string log_path = dir_->write("unbound.log", "");
    util::Fd log(::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    util::SpawnOptions o;
    o.argv = {kUnbound, "-d", "-c", conf_path};
    o.fds = {{log.get(), 1}, {log.get(), 2}};
    auto child = util::ChildProcess::spawn(o);
    if (!child) {
      why_ = child.error().message;
      return;
    }
    server_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto done = server_->try_wait();
      if (!done || *done) {  // exited: the address was taken after all, or bad config
        why_ = "unbound exited on " + address;
        server_.reset();
        return;
      }
      if (answers(address)) {
        ok_ = true;
        address_ = address;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why_ = "unbound did not answer on " + address;
    server_.reset();
  }

  // Any reply to a UDP query means the server is up.
  static bool answers(const std::string& address) {
    std::array<unsigned char, 512> query{};
    int len = ::res_mkquery(ns_o_query, "ready.test", ns_c_in, ns_t_a, nullptr, 0, nullptr,
                            query.data(), static_cast<int>(query.size()));
    if (len < 0) return false;
    util::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    if (::sendto(fd.get(), query.data(), len, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) != len)
      return false;
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) return false;
    std::array<unsigned char, 512> reply{};
    return ::recv(fd.get(), reply.data(), reply.size(), 0) >= 12;
  }

  bool skipped_ = false;
  bool ok_ = false;
  std::string why_;
  std::string address_;
  std::optional<test::TempDir> dir_;
  std::optional<util::ChildProcess> server_;
};

}  // namespace dns_test
