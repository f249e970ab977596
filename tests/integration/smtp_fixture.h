// Helpers for the smtp delivery agent's integration tests: Postfix's
// smtp-sink as the remote server (dumping each transaction to a file), a
// scripted SMTP server whose answers a test chooses per recipient, and log
// searches. Used by smtp_relay_test.cc and smtp_routing_test.cc.
// Easy to get wrong: smtp-sink drops to the postfix user, so its dump
// directory must be writable by that user; and the sink must be listening
// before the test submits, or the first delivery is (rightly) deferred.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "libutil/child_process.h"
#include "libutil/socket.h"
#include "tests/integration/master_fixture.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

namespace smtp_test {

inline const char* kSinkPath = "/usr/sbin/smtp-sink";

// smtp-sink on 127.0.0.1:port, dumping transactions below `dump_dir`.
class Sink {
 public:
  Sink(int port, const std::string& dump_dir, std::vector<std::string> extra = {})
      : port_(port), dump_dir_(dump_dir) {
    std::filesystem::create_directories(dump_dir);
    ::chmod(dump_dir.c_str(), 0777);
    util::SpawnOptions o;
    o.argv = {kSinkPath, "-u", "postfix", "-h", "sink.example", "-d", dump_dir + "/m."};
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.argv.push_back("127.0.0.1:" + std::to_string(port));
    o.argv.push_back("100");
    o.new_process_group = true;
    auto child = util::ChildProcess::spawn(o);
    if (child) child_.emplace(std::move(*child));
    // Ready when it accepts a connection.
    master_test::eventually(
        [&] {
          return util::inet_connect("127.0.0.1", std::to_string(port), std::chrono::seconds(1))
              .has_value();
        },
        std::chrono::seconds(10));
  }
  bool running() const { return child_.has_value(); }
  int port() const { return port_; }
  // Every dumped transaction, oldest first by name.
  std::vector<std::string> dumps() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dump_dir_))
      if (e.is_regular_file()) names.push_back(e.path());
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

 private:
  int port_;
  std::string dump_dir_;
  std::optional<util::ChildProcess> child_;
};

// A minimal ESMTP server: `rcpt_reply(address)` answers each RCPT
// ("250 2.1.5 Ok", "550 5.1.1 ..."); the rest is always accepted.
// Received messages and envelope lines are recorded.
class ScriptedServer {
 public:
  using RcptReply = std::function<std::string(const std::string& address)>;
  explicit ScriptedServer(RcptReply rcpt_reply, std::string ehlo_extra = "250-PIPELINING\r\n")
      : rcpt_reply_(std::move(rcpt_reply)),
        ehlo_extra_(std::move(ehlo_extra)),
        server_([this](test::Connection& c) { serve(c); }) {}
  int port() const { return server_.port(); }
  int connections() const { return server_.connections(); }
  std::vector<std::string> commands() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commands_;
  }
  std::vector<std::string> messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  void serve(test::Connection& c) {
    if (!c.write("220 scripted.example ESMTP\r\n")) return;
    for (;;) {
      auto line = c.read_line();
      if (!line) return;
      std::string cmd = *line;
      if (!cmd.empty() && cmd.back() == '\r') cmd.pop_back();
      {
        std::lock_guard<std::mutex> lock(mu_);
        commands_.push_back(cmd);
      }
      std::string verb = cmd.substr(0, 4);
      for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      std::string reply;
      if (verb == "EHLO") {
        reply = "250-scripted.example\r\n" + ehlo_extra_ + "250 8BITMIME\r\n";
      } else if (verb == "HELO" || verb == "MAIL" || verb == "RSET" || verb == "NOOP" ||
                 verb == "XFOR") {
        reply = "250 2.0.0 Ok\r\n";
      } else if (verb == "RCPT") {
        auto lt = cmd.find('<'), gt = cmd.find('>');
        std::string addr = lt != std::string::npos && gt != std::string::npos
                               ? cmd.substr(lt + 1, gt - lt - 1)
                               : "";
        reply = rcpt_reply_(addr) + "\r\n";
      } else if (verb == "DATA") {
        if (!c.write("354 End data with <CR><LF>.<CR><LF>\r\n")) return;
        std::string body;
        for (;;) {
          auto l = c.read_line();
          if (!l) return;
          if (*l == ".\r" || *l == ".") break;
          body += *l + "\n";
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          messages_.push_back(body);
        }
        reply = "250 2.0.0 Ok: queued as SCRIPT1\r\n";
      } else if (verb == "STAR") {
        // STARTTLS accepted, then the "TLS" server hangs up: a failed
        // handshake for the client.
        c.write("220 2.0.0 Ready to start TLS\r\n");
        return;
      } else if (verb == "QUIT") {
        c.write("221 2.0.0 Bye\r\n");
        return;
      } else {
        reply = "502 5.5.2 Error: command not recognized\r\n";
      }
      if (!c.write(reply)) return;
    }
  }

  RcptReply rcpt_reply_;
  std::string ehlo_extra_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::vector<std::string> messages_;
  test::LoopbackServer server_;
};

// Lines of `log` that contain `needle`.
inline std::vector<std::string> log_lines(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace smtp_test
