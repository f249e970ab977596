// Host name and address syntax checks (restriction_hostname.h).
#include "smtpd/restriction_hostname.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cctype>

namespace smtpd {

bool valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  bool non_numeric = false;
  std::size_t label_len = 0;
  char prev = '.';
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '.') {
      if (label_len == 0 || prev == '-') return false;
      label_len = 0;
    } else if (std::isalnum(c) || ch == '_') {
      if (!std::isdigit(c)) non_numeric = true;
      if (++label_len > 63) return false;
    } else if (ch == '-') {
      if (label_len == 0) return false;
      non_numeric = true;
      ++label_len;
    } else {
      return false;
    }
    prev = ch;
  }
  if (prev == '.' || prev == '-') return false;
  return non_numeric;
}

bool valid_hostaddr(std::string_view addr) {
  std::string s(addr);
  unsigned char buf[16];
  if (s.find(':') != std::string::npos) return inet_pton(AF_INET6, s.c_str(), buf) == 1;
  // inet_pton accepts exactly four decimal parts, as Postfix wants.
  return inet_pton(AF_INET, s.c_str(), buf) == 1;
}

bool valid_mailhost_addr(std::string_view addr) {
  if (addr.size() > 5 && strncasecmp(addr.data(), "IPv6:", 5) == 0) {
    std::string v6(addr.substr(5));
    unsigned char buf[16];
    return inet_pton(AF_INET6, v6.c_str(), buf) == 1;
  }
  if (addr.find(':') != std::string_view::npos) return false;
  return valid_hostaddr(addr);
}

std::string drop_trailing_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.' && name[name.size() - 2] != '.') name.remove_suffix(1);
  return std::string(name);
}

}  // namespace smtpd
