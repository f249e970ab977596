// The main.cf parameters local(8) reads, once per process, by their
// Postfix names. Users: every file in local/.
// Easy to get wrong: forward_path and mailbox_command are raw parameters
// ($home, $user, ... are expanded per delivery, not at start), and
// mail_spool_directory / home_mailbox ending in '/' mean Maildir.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/local_expand.h"
#include "libmail/mbox_file.h"

namespace local {

struct Settings {
  std::string alias_maps;
  std::string forward_path;     // raw
  std::string mailbox_command;  // raw
  std::string home_mailbox;
  std::string mail_spool_directory;
  mail::MboxLocking locking;                // mailbox_delivery_lock, mailbox_size_limit
  std::vector<std::string> allow_commands;  // alias, forward, include
  std::vector<std::string> allow_files;
  std::chrono::seconds command_time_limit{1000};
  std::vector<std::string> export_environment;  // "NAME=value"
  bool prepend_delivered_command = true;
  bool prepend_delivered_file = true;
  bool prepend_delivered_forward = true;
  bool enable_original_recipient = true;
  mail::LocalExpandSettings expand;
};

// Fatal (Postfix's words) on a bad value.
Settings load_settings(const conf::Config& config);

}  // namespace local
