#include "tests/support/temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/process.h"

namespace test {

TempDir::TempDir() {
  std::string tmpl = "/tmp/postern-test-XXXXXX";
  if (!::mkdtemp(tmpl.data())) std::abort();
  path_ = tmpl;
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name) const { return path_ + "/" + name; }

std::string TempDir::write(const std::string& name, const std::string& content, int mode) const {
  std::string p = file(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  ::chmod(p.c_str(), static_cast<mode_t>(mode));
  return p;
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(file(name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool skip_without(const std::string& program, const std::string& why) {
  if (have_program(program)) return false;
  WARN("SKIPPED: " << program << " is not installed: " << why);
  return true;
}

bool skip_unless_root(const std::string& why) {
  if (::geteuid() == 0) return false;
  WARN("SKIPPED: not root: " << why);
  return true;
}

}  // namespace test
