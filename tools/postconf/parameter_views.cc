// postconf parameter views (waiting for conf::Config).
#include "tools/postconf/parameter_views.h"

#include <unistd.h>

#include <cerrno>

#include "libutil/error.h"
#include "libutil/log.h"

namespace postconf {

void require_main_cf(const std::string& dir) {
  const std::string path = dir + "/main.cf";
  if (::access(path.c_str(), F_OK) != 0) util::msg_fatal(util::fail_errno("open " + path, errno).error().message);
}

int show_parameters(const Options&, const std::string& dir) {
  require_main_cf(dir);
  util::msg_fatal("parameter listing is not implemented yet");
}

void warn_unused_master_parameters(const Options&, const std::string&, const conf::MasterCf&) {}

}  // namespace postconf
