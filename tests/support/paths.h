// Where tests find the source tree, the build tree and the built programs.
#pragma once
#include <string>

namespace test {
std::string source_dir();
std::string build_dir();
// A built command (postconf, postmap, ...) in the build tree's sbin.
std::string command(const std::string& name);
// A built daemon in the build tree's libexec/postfix.
std::string daemon(const std::string& name);
// A file under tests/data.
std::string data_file(const std::string& name);
}  // namespace test
