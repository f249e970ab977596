// test-echo: a test-only service on the single-client skeleton. Per line:
// "param NAME" -> the parameter's value as this process sees it, "pid" ->
// its pid, "log TEXT" -> logs TEXT and answers "logged", "sleep MS", "quit"
// closes; anything else is echoed back. Integration tests run it under master.
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "libmail/single_server.h"
#include "libutil/log.h"

namespace {

bool answer(util::Stream& client, mail::Daemon& daemon, const std::string& line) {
  std::string reply;
  if (line == "quit") return false;
  if (line.starts_with("param ")) {
    auto v = daemon.config.try_get(line.substr(6));
    reply = v ? *v : "(unknown)";
  } else if (line == "pid") {
    reply = std::to_string(::getpid());
  } else if (line.starts_with("log ")) {
    util::msg_info(line.substr(4));
    reply = "logged";
  } else if (line.starts_with("sleep ")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stol(line.substr(6))));
    reply = "slept";
  } else {
    reply = "echo: " + line;
  }
  return client.write(reply + "\n") && client.flush();
}

}  // namespace

int main(int argc, char** argv) {
  mail::single_server_main(argc, argv, "test-echo", [](util::Stream& client, mail::Daemon& daemon) {
    for (;;) {
      auto line = client.read_line(1024);
      if (!line) return;
      if (!line->text.empty() && line->text.back() == '\r') line->text.pop_back();
      if (!answer(client, daemon, line->text)) return;
    }
  });
}
