// postcat's output: walks one queue file's records and prints them the way
// Postfix 3.7's postcat does (section headings, record names, ctime dates,
// header/body split, -o offsets, -d type numbers, -v text labels).
// Easy to get wrong: headings and envelope/extracted records belong to -e;
// -h/-b alone print bare text lines. L pieces join into one line unless a
// prefix (-o, -d, -v) is printed, and pointer records are followed.
#pragma once

#include <sys/types.h>

#include <string>

namespace postcat {

struct PrintOptions {
  bool envelope = true;
  bool header = true;
  bool body = true;
  bool offsets = false;  // -o
  bool types = false;    // -d
  bool verbose = false;  // -v
  off_t start = 0;       // -s
};

// Prints to stdout; a corrupt record ends in "NAME: <why>" then
// fatal "record read error", as Postfix. `name` titles the headings.
void print_queue_file(int fd, const std::string& name, const PrintOptions& options);

}  // namespace postcat
