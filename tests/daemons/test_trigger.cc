// test-trigger: a test-only service on the trigger skeleton. Appends each
// request to the file named by the (test-only) parameter test_trigger_file,
// one line per request: "PID REQUEST" with a NUL shown as "\0".
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "libmail/trigger_server.h"
#include "libutil/fd.h"

int main(int argc, char** argv) {
  mail::trigger_server_main(argc, argv, "test-trigger", [](std::string_view request, mail::Daemon& daemon) {
    auto path = daemon.config.try_get("test_trigger_file");
    if (!path || path->empty()) return;
    std::string line = std::to_string(::getpid()) + " ";
    for (char c : request) line += c == '\0' ? std::string("\\0") : std::string(1, c);
    line += "\n";
    util::Fd fd(::open(path->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666));
    if (fd) (void)!::write(fd.get(), line.data(), line.size());
  });
}
