// One maildrop file through cleanup: open it safely, copy its records
// (libmail/pickup_copy.h) to a new cleanup session, and say what becomes of
// the file. Logs "NEWID: uid=N from=<S>" (with "orig_id=OLD" for mail that
// postsuper -r put back) and Postfix's warnings.
// Easy to get wrong: only cleanup's status 0 lets the file go; a broken
// file goes too (it will never get better), everything else keeps it.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace pickup {

struct Settings {
  std::string cleanup_service;  // $cleanup_service_name
  std::string myhostname;
  std::string mail_name;
  std::string content_filter;
  std::size_t line_length_limit = 2048;
  int cleanup_flags = 0;        // from receive_override_options
  uid_t mail_owner = 0;         // files it owns without o+r were requeued
  long ipc_timeout = 3600;
};

enum class Outcome {
  kRemove,       // delivered to cleanup, or beyond repair: unlink it
  kKeep,         // try again at a later scan
  kCleanupDown,  // keep, and stop this scan
};

// `path` is "maildrop/ID" relative to the queue directory; `st` its lstat.
Outcome pickup_file(const Settings& settings, const std::string& path, const struct stat& st);

}  // namespace pickup
