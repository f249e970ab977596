// conf::MasterCf: master.cf as a list of service entries (with the raw lines
// kept so postconf -Me/-MX/-Fe/-Pe can edit it and leave the rest alone).
// Users: master (what to run), postconf -M/-F/-P, Config (per-transport
// parameters such as relay_destination_concurrency_limit exist only for
// delivery services named in master.cf).
// Easy to get wrong: `-o { name = value with spaces }` and continuation lines.
// Column 8 is kept as `words`, the normalised form postconf prints: braces
// are removed where Postfix removes them and put back where a value holds
// whitespace; only the leading daemon options (up to the first word that
// does not start with "-") are parsed as `-o name=value`.
#pragma once

#include <string>
#include <string_view>
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

  // Column 8 as postconf prints it: words[0] is the program; a value holding
  // whitespace is shown as {value}. words[1, options_end) are the daemon
  // options ("-v", "-o", "{name=value with space}", ...).
  std::vector<std::string> words;
  size_t options_end = 1;
  std::string raw_command;  // column 8 as written (continuations joined)
};

struct MasterCf {
  std::string path;
  std::vector<MasterEntry> entries;
  std::vector<std::string> lines;  // the file as read, for editing
  // The last line had no '\n' (editing copies it without one, as Postfix).
  bool missing_final_newline = false;
};

// Errors name the file and line: "/etc/postfix/master.cf: line 12: field
// \"type\": bad value: \"inetx\"" (Postfix's wording where it has one).
// Syntax problems inside column 8 are warnings (msg_warn), as in Postfix.
util::Result<MasterCf> read_master_cf(const std::string& path);
// The same on text already in memory (tests, editing).
// With warn=false the column 8 warnings are not printed (postconf's edit
// modes, which only re-check the entries they change).
util::Result<MasterCf> parse_master_cf(const std::string& path, std::string_view text,
                                       bool warn = true);

// One logical entry ("smtp inet n - y - - smtpd -o a=1"). Errors: "bad field
// count" or Postfix's `invalid type field "x" in "LINE"`; the caller adds
// the file/line or argument context.
util::Result<MasterEntry> parse_master_entry(std::string_view logical_line, bool warn = true);

// Column 8 from text ("smtpd -o a=1"): fills words, options_end, command,
// args and options. Warnings for brace syntax go through msg_warn.
void set_master_command(MasterEntry& entry, std::string_view text, bool warn = true);
// Refresh command/args/options after words or options_end were edited.
void derive_master_options(MasterEntry& entry);

// Check one column value (index 1..6: type .. process_limit); false if bad.
bool valid_master_field(int index, std::string_view value);

// The 8 field names postconf -F uses, in column order.
const std::vector<std::string>& master_field_names();
// Field value by index 0..7 (7 = the whole command line, words joined).
std::string master_field(const MasterEntry& entry, int index);
bool set_master_field(MasterEntry& entry, int index, std::string_view value);

// postconf -M (one line) and -Mf (folded at 79 columns) forms, no trailing
// newline inside a line; lines are joined with "\n" and end with "\n".
std::string format_master_entry(const MasterEntry& entry, bool fold);
// Column 8 alone after `prefix` ("smtp/inet/command = " for postconf -Ff),
// folded the same way.
std::string format_master_command(const MasterEntry& entry, std::string prefix, bool fold);

// The `-o name=value` daemon options of an entry (values without braces), in
// file order; entries of the form `-o word` without '=' are left out.
std::vector<std::pair<std::string, std::string>> master_entry_parameters(const MasterEntry& entry);

}  // namespace conf
