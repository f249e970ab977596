#include "libmail/local_maildir_name.h"

#include <unistd.h>

#include <cstdio>

namespace mail {

std::string maildir_escape_host(std::string_view host) {
  std::string out;
  for (char c : host) {
    if (c == '/')
      out += "\\057";
    else if (c == ':')
      out += "\\072";
    else
      out += c;
  }
  return out;
}

std::string maildir_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) < 0) return "localhost";
  return maildir_escape_host(buf);
}

std::string maildir_tmp_name(long seconds, long pid, std::string_view host) {
  return std::to_string(seconds) + ".P" + std::to_string(pid) + "." + std::string(host);
}

std::string maildir_new_name(long seconds, dev_t device, ino_t inode, long micros,
                             std::string_view host) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%ld.V%lxI%lxM%ld.", seconds, static_cast<unsigned long>(device),
                static_cast<unsigned long>(inode), micros);
  return buf + std::string(host);
}

}  // namespace mail
