// conf::MasterCf: master.cf as a list of service entries (with the raw lines
// kept so postconf -Me/-MX/-Fe/-Pe can edit it and leave the rest alone).
// Users: master (what to run), postconf -M/-F/-P, Config (per-transport
// parameters such as relay_destination_concurrency_limit exist only for
// delivery services named in master.cf).
// Easy to get wrong: `-o { name = value with spaces }` and continuation lines.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libutil/error.h"

namespace conf {

struct MasterEntry {
  // Columns 1-7 exactly as written ("-" stays "-").
  std::string service;
  std::string type;  // inet, unix, unix-dgram, fifo, pass
  std::string private_;
  std::string unprivileged;
  std::string chroot;
  std::string wakeup;
  std::string process_limit;
  // Column 8 split: the program name, then its arguments with every
  // `-o name=value` removed into `options` (file order, braces removed).
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> options;
  int first_line = 0;  // 1-based line of the entry in the file
  int last_line = 0;   // last continuation line
};

struct MasterCf {
  std::string path;
  std::vector<MasterEntry> entries;
  std::vector<std::string> lines;  // the file as read, for editing
};

// Errors name the file and line: "/etc/postfix/master.cf: line 12: field
// \"type\": bad value: \"inetx\"" (Postfix's wording where it has one).
util::Result<MasterCf> read_master_cf(const std::string& path);

}  // namespace conf
