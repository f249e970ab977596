// How a pipe service runs its command, from master.cf's command column
// after the options: "flags=... user=name[:group] directory=... eol=...
// null_sender=... size=N argv=command args...". Read once at start.
// Easy to get wrong: argv= takes every word after it, options included;
// the command must never run as root, as the mail system owner, or with
// their groups (Postfix's refusals, in its words); eol= takes C escapes
// ("\r\n"); an unknown flag is only a warning.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "libutil/error.h"

namespace pipe_agent {

struct PipeFlags {
  bool blank_line = false;      // B
  bool delivered_to = false;    // D
  bool from_line = false;       // F
  bool original_to = false;     // O
  bool return_path = false;     // R
  bool final_delivery = false;  // X: "delivered" rather than "relayed"
  bool fold_host = false;       // h
  bool quote = false;           // q
  bool fold_user = false;       // u
  bool dot_stuff = false;       // .
  bool quote_from = false;      // >
};

struct PipeAttributes {
  PipeFlags flags;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string directory;  // "" keeps the queue directory
  std::string eol = "\n";
  std::string null_sender = "MAILER-DAEMON";
  long size_limit = 0;  // 0: none
  std::vector<std::string> argv;
};

struct OwnerIds {
  std::string owner_name;  // mail_owner
  uid_t owner_uid = 0;
  gid_t owner_gid = 0;
  std::string setgid_group;  // setgid_group (postdrop)
  std::optional<gid_t> setgid_gid;
};

// `warn` receives the non-fatal complaints (unknown flags).
util::Result<PipeAttributes> parse_pipe_attributes(const std::vector<std::string>& args,
                                                   const OwnerIds& owner,
                                                   std::vector<std::string>* warnings);

// "\r\n" -> CR LF, "\t", "\\", octal "\015"; other text as is.
std::string unescape_c(std::string_view text);

}  // namespace pipe_agent
