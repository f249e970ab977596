// A Postern instance in a temp dir for the master/skeleton tests: main.cf
// and master.cf of its own (loopback ports, the build tree's daemons,
// maillog_file in the temp dir), started with `postfix start`, stopped (or
// killed) when the test ends. Helpers poll with deadlines, never sleep blind.
// Used by master_test.cc and postfix_command_test.cc.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "libutil/socket.h"
#include "libutil/stream.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace master_test {

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Poll `ready` every 50 ms until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& ready,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

// Alive and not a zombie (the container's init may not reap orphans).
inline bool process_alive(pid_t pid) {
  if (::kill(pid, 0) < 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

// Children of `parent` per /proc.
inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    long ppid;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

class Instance {
 public:
  // `services` are master.cf lines; ECHO_PORT is replaced by port().
  explicit Instance(const std::string& services, const std::string& extra_main_cf = "")
      : port_(free_port()) {
    std::string daemon_dir = test::daemon("master");
    daemon_dir = daemon_dir.substr(0, daemon_dir.rfind('/'));
    std::string command_dir = test::command("postfix");
    command_dir = command_dir.substr(0, command_dir.rfind('/'));
    dir_.write("main.cf", "queue_directory = " + dir_.file("queue") +
                              "\ndata_directory = " + dir_.file("data") +
                              "\ndaemon_directory = " + daemon_dir +
                              "\nmaillog_file = " + dir_.file("maillog") +
                              "\nmaillog_file_prefixes = /tmp\nmyhostname = mx.example.test\n"
                              "service_throttle_time = 2s\n" + extra_main_cf +
                              // Last, so tests' line numbers stay put; `postfix
                              // start` runs postsuper from here.
                              (extra_main_cf.find("command_directory") == std::string::npos
                                   ? "\ncommand_directory = " + command_dir + "\n"
                                   : std::string()));
    write_master_cf(services);
    // The queue directory is the administrator's to make; check fills it.
    ::mkdir(dir_.file("queue").c_str(), 0755);
  }
  ~Instance() {
    if (auto pid = master_pid()) {
      std::vector<pid_t> kids = children_of(*pid);
      ::kill(*pid, SIGTERM);
      eventually([&] { return !process_alive(*pid); }, std::chrono::seconds(5));
      for (pid_t k : kids) ::kill(k, SIGKILL);
    }
  }

  void write_master_cf(std::string services) {
    for (size_t at; (at = services.find("ECHO_PORT")) != std::string::npos;)
      services.replace(at, 9, std::to_string(port_));
    dir_.write("master.cf", services);
  }

  test::RunResult postfix(const std::string& command) const {
    test::RunOptions o;
    o.timeout_seconds = 30;
    return test::run({test::command("postfix"), "-c", dir_.path(), command}, o);
  }
  test::RunResult start() const { return postfix("start"); }

  std::optional<pid_t> master_pid() const {
    std::ifstream in(dir_.file("queue/pid/master.pid"));
    long pid = 0;
    if (!(in >> pid) || pid <= 0 || !process_alive(static_cast<pid_t>(pid))) return std::nullopt;
    return static_cast<pid_t>(pid);
  }

  std::string log() const {
    std::ifstream in(dir_.file("maillog"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool log_has(const std::string& text) const {
    return eventually([&] { return log().find(text) != std::string::npos; });
  }

  int port() const { return port_; }
  const test::TempDir& dir() const { return dir_; }
  std::string path() const { return dir_.path(); }

 private:
  test::TempDir dir_;
  int port_;
};

// A line-oriented client of the echo service.
class Client {
 public:
  explicit Client(int port)
      : stream_(util::inet_connect("127.0.0.1", std::to_string(port), std::chrono::seconds(5))
                    .value_or(util::Fd()),
                std::chrono::seconds(10)) {}
  explicit Client(const std::string& unix_path)
      : stream_(util::unix_connect(unix_path, std::chrono::seconds(5)).value_or(util::Fd()),
                std::chrono::seconds(10)) {}
  bool connected() const { return stream_.fd() >= 0; }
  std::string ask(const std::string& line) {
    if (!stream_.write(line + "\n") || !stream_.flush()) return "(write failed)";
    auto reply = stream_.read_line(4096);
    return reply ? reply->text : "(no reply: " + reply.error().message + ")";
  }
  // True when an answer arrives within `wait`.
  bool answered_within(std::chrono::milliseconds wait) {
    auto r = stream_.readable(wait);
    return r && *r;
  }
  std::string read_line() {
    auto reply = stream_.read_line(4096);
    return reply ? reply->text : "(no reply)";
  }
  util::Stream& stream() { return stream_; }

 private:
  util::Stream stream_;
};

}  // namespace master_test
