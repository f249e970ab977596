// A temporary directory removed with everything in it when the test ends.
#pragma once

#include <string>

namespace test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const;
  // Write a file below the directory and return its path.
  std::string write(const std::string& name, const std::string& content, int mode = 0644) const;
  std::string read(const std::string& name) const;

 private:
  std::string path_;
};

// Loud skip: prints why and returns true so a test can `return;` (never a silent pass).
bool skip_without(const std::string& program, const std::string& why);
// Loud skip for tests that need root (whole instances switch users).
bool skip_unless_root(const std::string& why);

}  // namespace test
