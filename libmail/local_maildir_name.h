// Maildir file names as Postfix's local(8) makes them (compat/delivery.md
// §3): the copy is written to tmp/SECONDS.PPID.HOST, then renamed to
// new/SECONDS.VDEVIINOMUSEC.HOST with the device and inode of that file.
// Users: local/maildir_delivery and its unit tests.
// Easy to get wrong: device and inode are lower-case hex without padding,
// the microseconds decimal; HOST is gethostname() (not $myhostname) with
// '/' and ':' written as "\057" and "\072" so the name stays one path
// component and keeps the maildir "info" separator free.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace mail {

// The host part: gethostname() with '/' and ':' escaped.
std::string maildir_host_name();
std::string maildir_escape_host(std::string_view host);

std::string maildir_tmp_name(long seconds, long pid, std::string_view host);
std::string maildir_new_name(long seconds, dev_t device, ino_t inode, long micros,
                             std::string_view host);

}  // namespace mail
