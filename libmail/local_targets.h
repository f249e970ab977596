// The destination lists local(8) reads: alias values ("a, b, |cmd, /file,
// :include:/path"), .forward files and :include: files (one or more
// entries per line, '#' comment lines).
// Users: libmail/local_expand (alias/forward expansion) and its unit tests.
// Easy to get wrong: commas inside double quotes do not separate entries
// ("|/bin/sh -c 'a, b'" must be quoted in the table), quotes around a whole
// entry come off ("\"|cmd arg\"" is the command |cmd arg), a leading
// backslash (\user) means "this user's mailbox, no more expansion", and
// "Name <addr>" stands for addr.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mail {

enum class LocalTargetType {
  kAddress,  // user, user@domain
  kMailbox,  // \user: the mailbox itself, no alias or .forward
  kCommand,  // |command (value: without the '|')
  kFile,     // /path (a path ending in '/' is a maildir)
  kInclude,  // :include:/path (value: the path)
};

struct LocalTargetSpec {
  LocalTargetType type = LocalTargetType::kAddress;
  std::string value;
};

// One list (an alias value or one line of a file).
std::vector<LocalTargetSpec> parse_target_list(std::string_view list);
// A .forward or :include: file: every non-comment line.
std::vector<LocalTargetSpec> parse_target_file(std::string_view content);
// One entry, quotes already removed.
LocalTargetSpec classify_target(std::string_view entry);

}  // namespace mail
