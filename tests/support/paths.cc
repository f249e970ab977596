#include "tests/support/paths.h"

namespace test {
std::string source_dir() { return POSTERN_SOURCE_DIR; }
std::string build_dir() { return POSTERN_BUILD_DIR; }
std::string command(const std::string& name) { return build_dir() + "/sbin/" + name; }
std::string daemon(const std::string& name) { return build_dir() + "/libexec/postfix/" + name; }
std::string data_file(const std::string& name) { return source_dir() + "/tests/data/" + name; }
}  // namespace test
