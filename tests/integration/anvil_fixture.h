// An instance with the anvil service as Debian's master.cf runs it
// (`anvil unix - - y - 1 anvil`: chrooted, one process) and postlogd, for
// anvil_test.cc (the daemon through its client) and anvil_limits_test.cc
// (smtpd's limits on top of it). Clients use the absolute endpoint path.
#pragma once

#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <string>

#include "libmail/anvil_client.h"
#include "tests/integration/master_fixture.h"

namespace anvil_test {

inline const char* const kServices =
    "anvil     unix  -       -       y       -       1       anvil\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

class AnvilSetup {
 public:
  explicit AnvilSetup(const std::string& main_cf = "") : inst_(kServices, main_cf) {
    REQUIRE(inst_.start().exit_status == 0);
    path_ = inst_.dir().file("queue/private/anvil");
    REQUIRE(master_test::eventually([&] { return ::access(path_.c_str(), F_OK) == 0; }));
  }
  mail::AnvilClient client() const { return mail::AnvilClient(path_, std::chrono::seconds(10)); }
  const std::string& path() const { return path_; }
  master_test::Instance& inst() { return inst_; }

 private:
  master_test::Instance inst_;
  std::string path_;
};

}  // namespace anvil_test
