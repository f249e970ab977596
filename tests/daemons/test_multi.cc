// test-multi: a test-only service on the multi-client skeleton. Each
// request is one line; the answer is "PID: LINE" so a test can see that one
// process serves several open connections at once.
#include <unistd.h>

#include <string>

#include "libmail/multi_server.h"

int main(int argc, char** argv) {
  mail::multi_server_main(argc, argv, "test-multi", [](util::Stream& client, mail::Daemon&) {
    auto line = client.read_line(1024);
    if (!line) return false;
    return static_cast<bool>(client.write(std::to_string(::getpid()) + ": " + line->text + "\n"));
  });
}
